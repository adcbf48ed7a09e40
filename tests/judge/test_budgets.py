"""The phase budget calculator, bands and stop-loss (`budgets.py`), against hand arithmetic.

The formula is written again here, independently, with `decimal` at 50 digits and ROUND_CEILING,
and every combination the shipped config allows is checked against it.
"""

from __future__ import annotations

import decimal
import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget_gate.judge.budgets import (
    BudgetSource,
    BudgetStatus,
    Sizing,
    SliceBudget,
    StopLoss,
    assess_budget,
    band,
    ceil_product,
    formula_limit,
    phase_limit,
)
from budget_gate.judge.phase_spend import PhaseSpend, spend_by_phase
from budget_gate.load.phase_budgets import shipped_phase_budgets
from budget_gate.models.budgets import PhaseBudgetConfig, PhaseBudgetOverrides, PhaseBudgetValues
from budget_gate.models.common import Complexity, Importance, Phase, PlanStatus
from budget_gate.models.estimate import EstimationRecord, PhaseEstimate
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import PhaseUsage, UsageReport
from builders import estimate, report

SHIPPED = shipped_phase_budgets()


def independent_limit(base: int, *factors: float) -> int:
    """ceil(base × factors) on the decimals as written, by `decimal` (not `fractions`)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        product = Decimal(base)
        for factor in factors:
            product *= Decimal(str(factor))
        return int(product.to_integral_value(rounding=decimal.ROUND_CEILING))


def sizing(complexity: Complexity, importance: Importance) -> Sizing:
    return Sizing(complexity=complexity, importance=importance)


# --- the formula ----------------------------------------------------------------------------


def test_the_design_examples_critical_large_think_is_18000_and_low_small_pr_is_504() -> None:
    think = formula_limit(
        SHIPPED, phase=Phase.THINK, sizing=sizing(Complexity.LARGE, Importance.CRITICAL)
    )
    pr = formula_limit(SHIPPED, phase=Phase.PR, sizing=sizing(Complexity.SMALL, Importance.LOW))
    assert think.tokens == 18_000  # 4000 × 1.5 × 2.0 × 1.5
    assert pr.tokens == 504  # 1500 × 0.8 × 0.7 × 0.6 (a float product could ceil to 505)
    assert think.source is pr.source is BudgetSource.FORMULA


COMBINATIONS = list(itertools.product(Phase, Complexity, Importance))


@pytest.mark.parametrize(("phase", "complexity", "importance"), COMBINATIONS)
def test_every_shipped_combination_matches_the_independent_formula(
    phase: Phase, complexity: Complexity, importance: Importance
) -> None:
    limit = formula_limit(SHIPPED, phase=phase, sizing=sizing(complexity, importance))
    factors = (
        SHIPPED.complexity[complexity],
        SHIPPED.importance[importance],
        SHIPPED.weights[phase],
    )
    base = SHIPPED.base[phase]
    assert limit.tokens == independent_limit(base.tokens, *factors)
    assert limit.latency_ms == independent_limit(base.latency_ms, *factors)
    assert limit.requests == independent_limit(base.requests, *factors)


def test_there_are_nine_phases_four_complexities_and_four_importances() -> None:
    assert len(COMBINATIONS) == 9 * 4 * 4


# Multipliers a user may write: (0, 10] with up to three decimals.
multipliers = st.integers(min_value=1, max_value=10_000).map(lambda n: n / 1000)


@settings(max_examples=300, deadline=None)
@given(
    base=st.integers(min_value=1, max_value=10**9),
    factors=st.tuples(multipliers, multipliers, multipliers),
)
def test_any_config_the_model_accepts_matches_the_independent_formula(
    base: int, factors: tuple[float, float, float]
) -> None:
    assert ceil_product(base, *factors) == independent_limit(base, *factors)


def test_a_users_multiplier_override_changes_only_that_level() -> None:
    budgets = PhaseBudgetOverrides(complexity={Complexity.LARGE: 1.8}).apply_to(SHIPPED)
    large = formula_limit(
        budgets, phase=Phase.THINK, sizing=sizing(Complexity.LARGE, Importance.MEDIUM)
    )
    small = formula_limit(
        budgets, phase=Phase.THINK, sizing=sizing(Complexity.SMALL, Importance.MEDIUM)
    )
    assert large.tokens == 10_800  # 4000 × 1.8 × 1.0 × 1.5
    assert small.tokens == 4_800  # 4000 × 0.8 × 1.0 × 1.5, as shipped


def test_plan_and_slice_overrides_are_absolute_and_field_by_field() -> None:
    size = sizing(Complexity.LARGE, Importance.CRITICAL)
    slice_values = {Phase.THINK: PhaseBudgetValues(tokens=9_000)}
    plan_values = {Phase.THINK: PhaseBudgetValues(tokens=30_000, requests=7)}
    limit = phase_limit(
        SHIPPED,
        phase=Phase.THINK,
        sizing=size,
        slice_overrides=slice_values,
        plan_overrides=plan_values,
    )
    assert limit.tokens == 9_000  # the slice's wins over the plan's
    assert limit.source is BudgetSource.SLICE
    assert limit.requests == 7  # the plan's, the slice sets none
    assert limit.latency_ms == 270_000  # 60000 × 1.5 × 2.0 × 1.5, from the formula
    plan_only = phase_limit(SHIPPED, phase=Phase.THINK, sizing=size, plan_overrides=plan_values)
    assert (plan_only.tokens, plan_only.source) == (30_000, BudgetSource.PLAN)


def test_sizing_comes_from_the_slice_then_the_plan_else_medium_is_assumed() -> None:
    plan = Plan(plan_id="P", status=PlanStatus.DONE, complexity=Complexity.LARGE)
    own = PlanSlice(slice_id="S", importance=Importance.LOW)
    assert Sizing.of(plan, own) == Sizing(Complexity.LARGE, Importance.LOW)
    assumed = Sizing.of(plan, PlanSlice(slice_id="S"))
    assert assumed == Sizing(Complexity.LARGE, Importance.MEDIUM, assumed=True)


# --- spend ----------------------------------------------------------------------------------


def test_spend_goes_to_the_runs_phase_its_breakdown_or_nowhere() -> None:
    spend = spend_by_phase(
        [
            report("r-1", phase=Phase.THINK, prompt=1_000, completion=500, requests=3),
            report(
                "r-2",
                prompt=9_000,
                completion=1_000,
                phases={
                    Phase.THINK: PhaseUsage(requests=1, prompt_tokens=700, completion_tokens=300),
                    Phase.IMPLEMENT: PhaseUsage(
                        requests=4, prompt_tokens=6_000, completion_tokens=500, duration_seconds=30
                    ),
                },
            ),
            report("r-3", prompt=2_000, completion=0),
        ]
    )
    assert spend.has_phase_data
    # r-1's 1,500 plus r-2's THINK 1,000; r-1's 60 s but r-2 gives no THINK duration.
    assert spend.phases[Phase.THINK] == PhaseSpend(tokens=2_500, requests=4, duration_seconds=None)
    assert spend.phases[Phase.IMPLEMENT] == PhaseSpend(
        tokens=6_500, requests=4, duration_seconds=30
    )
    # r-2's 10,000 minus its 7,500 attributed, plus r-3's 2,000.
    assert spend.unattributed_tokens == 2_500 + 2_000
    assert spend.total_tokens == 1_500 + 10_000 + 2_000


def test_runs_without_phases_have_no_phase_data() -> None:
    assert not spend_by_phase([report("r-1"), report("r-2")]).has_phase_data


# --- bands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (0, BudgetStatus.WITHIN),
        (10_000, BudgetStatus.WITHIN),  # exactly 100 %
        (10_001, BudgetStatus.WARNING),
        (15_000, BudgetStatus.WARNING),  # exactly 150 %
        (15_001, BudgetStatus.EXCEEDED),
    ],
)
def test_band_boundaries_belong_to_the_lower_status(actual: int, expected: BudgetStatus) -> None:
    assert band(actual=actual, budget=10_000, bands=SHIPPED.bands) is expected


def test_a_zero_budget_is_within_until_anything_is_spent() -> None:
    assert band(actual=0, budget=0, bands=SHIPPED.bands) is BudgetStatus.WITHIN
    assert band(actual=1, budget=0, bands=SHIPPED.bands) is BudgetStatus.EXCEEDED


# --- a slice's budget and stop-loss ---------------------------------------------------------


PLAN = Plan(
    plan_id="P1",
    status=PlanStatus.IN_PROGRESS,
    complexity=Complexity.MEDIUM,
    importance=Importance.MEDIUM,
    slices=[PlanSlice(slice_id="S1")],
)


def phased_estimate(**phases: int) -> EstimationRecord:
    """An estimate whose total is the sum of its phases (tokens all prompt, 1 request each)."""
    breakdown = {
        Phase(name): PhaseEstimate(requests=1, prompt_tokens=n) for name, n in phases.items()
    }
    total = sum(phases.values())
    return estimate(requests=len(phases), prompt=total, completion=0).model_copy(
        update={"phases": breakdown}
    )


def run_in(phase: Phase, tokens: int, run_id: str = "r-1") -> UsageReport:
    return report(run_id, phase=phase, prompt=tokens, completion=0, requests=1)


def assess(
    estimate_record: EstimationRecord | None,
    *runs: UsageReport,
    done: bool = False,
    budgets: PhaseBudgetConfig = SHIPPED,
) -> SliceBudget:
    result = assess_budget(
        plan=PLAN,
        slice_=PLAN.slices[0],
        done=done,
        estimate=estimate_record,
        reports=runs,
        budgets=budgets,
    )
    assert result is not None
    return result


def test_per_phase_budgets_come_from_the_estimate_else_the_formula() -> None:
    result = assess_budget(
        plan=PLAN,
        slice_=PLAN.slices[0],
        done=False,
        estimate=phased_estimate(THINK=5_000),
        reports=[run_in(Phase.THINK, 4_000), run_in(Phase.PR, 900, "r-2")],
        budgets=SHIPPED,
    )
    assert result is not None
    think, pr = result.phases
    assert (think.phase, think.source, think.budget_tokens) == (
        Phase.THINK,
        BudgetSource.ESTIMATE,
        5_000,
    )
    assert (pr.phase, pr.source, pr.budget_tokens) == (Phase.PR, BudgetSource.FORMULA, 900)
    assert pr.status is BudgetStatus.WITHIN  # 900 of 1500 × 1.0 × 1.0 × 0.6 = 900: exactly 100 %
    assert think.utilisation == 0.8
    # The cumulative budget is the estimate's total, not the sum of the phase budgets.
    assert (result.budget_source, result.budget_tokens, result.actual_tokens) == (
        BudgetSource.ESTIMATE,
        5_000,
        4_900,
    )


def test_without_an_estimate_the_cumulative_budget_is_every_phases_limit() -> None:
    result = assess_budget(
        plan=PLAN,
        slice_=PLAN.slices[0],
        done=False,
        estimate=None,
        reports=[run_in(Phase.THINK, 100)],
        budgets=SHIPPED,
    )
    assert result is not None
    # Medium × medium: base × weight summed over the nine phases.
    expected = sum(
        independent_limit(SHIPPED.base[phase].tokens, SHIPPED.weights[phase]) for phase in Phase
    )
    assert expected == 1_600 + 3_000 + 3_000 + 6_000 + 16_000 + 4_000 + 3_000 + 900 + 500
    assert (result.budget_source, result.budget_tokens) == (BudgetSource.FORMULA, expected)


def test_without_phase_data_only_the_total_is_judged() -> None:
    result = assess(phased_estimate(THINK=5_000), report(prompt=4_000, completion=0))
    assert (result.has_phase_data, result.phases, result.unattributed_tokens) == (False, (), 4_000)
    assert (result.budget_source, result.budget_tokens, result.utilisation) == (
        BudgetSource.ESTIMATE,
        5_000,
        0.8,
    )


def test_without_a_usage_report_there_is_nothing_to_judge() -> None:
    result = assess_budget(
        plan=PLAN,
        slice_=PLAN.slices[0],
        done=False,
        estimate=phased_estimate(THINK=5_000),
        reports=[],
        budgets=SHIPPED,
    )
    assert result is None


@pytest.mark.parametrize(
    ("spent", "done", "stop"),
    [
        (12_000, False, StopLoss.NONE),  # exactly 1.2 × 10,000 does not trip
        (13_000, False, StopLoss.TRIGGERED),  # 1.3 ×
        (12_500, True, StopLoss.ALLOWED),  # done, 1.25 ×: less than 0.1 past, may complete
        (13_500, True, StopLoss.TRIGGERED),  # done, 1.35 ×: too far past
    ],
)
def test_the_cumulative_stop_loss_judges_slices_whose_runs_report_no_phase(
    spent: int, done: bool, stop: StopLoss
) -> None:
    est = estimate(requests=10, prompt=8_000, completion=2_000)
    result = assess(est, report(prompt=spent, completion=0), done=done)
    assert result.stop_loss is stop
    if stop is not StopLoss.NONE:
        [trip] = result.trips
        assert (trip.phase, trip.actual_tokens, trip.budget_tokens, trip.limit) == (
            None,
            spent,
            10_000,
            1.2,
        )


def test_without_phases_or_an_estimate_the_budget_is_every_phases_limit() -> None:
    # Medium × medium: the sum of the nine phases' limits, 38,000 tokens (see above).
    result = assess(None, report(prompt=45_601, completion=0))  # just over 1.2 × 38,000
    assert (result.budget_source, result.budget_tokens) == (BudgetSource.FORMULA, 38_000)
    assert result.stop_loss is StopLoss.TRIGGERED
    assert assess(None, report(prompt=45_600, completion=0)).stop_loss is StopLoss.NONE


@pytest.mark.parametrize(
    ("enforce", "importance", "enabled", "enforced"),
    [
        (None, Importance.CRITICAL, True, True),  # the shipped default: every tier
        (["low", "medium"], Importance.HIGH, True, False),
        (["low", "medium"], Importance.MEDIUM, True, True),
        ([], Importance.LOW, True, False),
        (None, Importance.LOW, False, False),  # disabled: nothing is enforced
    ],
)
def test_enforcement_is_staged_by_importance(
    enforce: list[str] | None, importance: Importance, enabled: bool, enforced: bool
) -> None:
    stop_loss: dict[str, object] = {"enabled": enabled}
    if enforce is not None:
        stop_loss["enforce_importance"] = enforce
    budgets = PhaseBudgetOverrides.model_validate({"stop_loss": stop_loss}).apply_to(SHIPPED)
    plan = PLAN.model_copy(update={"importance": importance})
    result = assess_budget(
        plan=plan,
        slice_=plan.slices[0],
        done=False,
        estimate=None,
        reports=[report()],
        budgets=budgets,
    )
    assert result is not None
    assert result.enforced is enforced


@pytest.mark.parametrize(
    ("spent", "stop"),
    [
        (12_000, StopLoss.NONE),  # exactly 120 % cumulative does not pass the limit
        (12_001, StopLoss.TRIGGERED),
    ],
)
def test_cumulative_stop_loss_trips_only_above_120_percent(spent: int, stop: StopLoss) -> None:
    # Two phases, each well under its 150 % per-phase limit, together over the total.
    est = phased_estimate(THINK=5_000, IMPLEMENT=5_000)
    result = assess(est, run_in(Phase.THINK, 6_000), run_in(Phase.IMPLEMENT, spent - 6_000, "r-2"))
    assert result.stop_loss is stop


@pytest.mark.parametrize(
    ("spent", "status", "stop"),
    [
        (15_000, BudgetStatus.WARNING, StopLoss.NONE),  # exactly 150 %
        (15_001, BudgetStatus.EXCEEDED, StopLoss.TRIGGERED),
    ],
)
def test_per_phase_stop_loss_trips_only_above_150_percent(
    spent: int, status: BudgetStatus, stop: StopLoss
) -> None:
    # A large total keeps the cumulative utilisation low; only the phase can trip.
    est = phased_estimate(THINK=10_000, IMPLEMENT=100_000)
    result = assess(est, run_in(Phase.THINK, spent))
    assert result.phases[0].status is status
    assert result.stop_loss is stop


@pytest.mark.parametrize(
    ("spent", "done", "stop"),
    [
        (15_999, True, StopLoss.ALLOWED),  # 159.99 %: less than 10 points past 150 %
        (16_000, True, StopLoss.TRIGGERED),  # exactly 10 points past is not "less than"
        (15_999, False, StopLoss.TRIGGERED),  # the allowance is only for a done slice
    ],
)
def test_a_done_slice_just_past_the_stop_loss_may_complete(
    spent: int, done: bool, stop: StopLoss
) -> None:
    est = phased_estimate(THINK=10_000, IMPLEMENT=100_000)
    result = assess(est, run_in(Phase.THINK, spent), done=done)
    assert result.stop_loss is stop
    trip = result.trips[0]
    assert (trip.phase, trip.limit, trip.allowed) == (Phase.THINK, 1.5, stop is StopLoss.ALLOWED)


def test_the_stop_loss_limits_come_from_the_config() -> None:
    budgets = PhaseBudgetOverrides.model_validate({"stop_loss": {"per_phase": 2.0}}).apply_to(
        SHIPPED
    )
    est = phased_estimate(THINK=10_000, IMPLEMENT=100_000)
    assert assess(est, run_in(Phase.THINK, 19_000), budgets=budgets).stop_loss is StopLoss.NONE
    assert assess(est, run_in(Phase.THINK, 20_001), budgets=budgets).stop_loss is StopLoss.TRIGGERED
