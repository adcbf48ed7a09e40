"""Variance numbers, threshold resolution and breach flags, checked against hand arithmetic.

Unless a test says otherwise the thresholds are the shipped default:
warn 25 %, fail 50 %, floors 2,000 tokens and 5 requests of overrun.
"""

from __future__ import annotations

import pytest

from budget_gate.judge.report import BreachLevel, RunCounts, Variance
from budget_gate.judge.thresholds import (
    ResolvedThresholds,
    ThresholdSource,
    resolve_thresholds,
    slice_phase,
)
from budget_gate.judge.variance import assess, compute_variance, run_counts, total_variance
from budget_gate.models.common import Environment, Phase, Thresholds
from budget_gate.models.config import GateConfig, ThresholdConfig
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.usage import PhaseUsage, RunStatus, UsageReport
from builders import estimate, model_usage, plan, plan_slice, report

DEFAULT = resolve_thresholds(plan=plan(), slice_=None, phase=None, config=GateConfig())


def variance_of(
    est: EstimationRecord | None,
    *reports: UsageReport,
    thresholds: ResolvedThresholds = DEFAULT,
) -> Variance:
    return compute_variance(estimate=est, reports=reports, thresholds=thresholds)


# --- threshold resolution ------------------------------------------------------------------


def layered_config() -> GateConfig:
    """Every config level sets something different, so the winner of each field is visible."""
    return GateConfig(
        thresholds=ThresholdConfig(
            default=Thresholds(warn=0.25, fail=0.5, min_tokens=2000, min_requests=5),
            environments={Environment.MVP: Thresholds(warn=0.3, min_tokens=3000)},
            phases={Phase.THINK: Thresholds(warn=0.4, fail=0.8, min_requests=7)},
        )
    )


def test_default_level_when_nothing_more_specific() -> None:
    resolved = resolve_thresholds(plan=plan(), slice_=None, phase=None, config=layered_config())
    assert (resolved.warn, resolved.fail, resolved.min_tokens, resolved.min_requests) == (
        0.25,
        0.5,
        2000,
        5,
    )
    assert resolved.warn_source is ThresholdSource.DEFAULT
    assert resolved.fail_source is ThresholdSource.DEFAULT


def test_phase_level_beats_default_field_by_field() -> None:
    resolved = resolve_thresholds(
        plan=plan(), slice_=None, phase=Phase.THINK, config=layered_config()
    )
    # THINK sets warn, fail and min_requests; min_tokens still comes from the default.
    assert (resolved.warn, resolved.fail, resolved.min_tokens, resolved.min_requests) == (
        0.4,
        0.8,
        2000,
        7,
    )
    assert resolved.warn_source is ThresholdSource.PHASE


def test_phase_without_config_entry_falls_through() -> None:
    resolved = resolve_thresholds(
        plan=plan(), slice_=None, phase=Phase.IMPLEMENT, config=layered_config()
    )
    assert resolved.warn_source is ThresholdSource.DEFAULT


def test_environment_beats_phase() -> None:
    resolved = resolve_thresholds(
        plan=plan(environment=Environment.MVP),
        slice_=None,
        phase=Phase.THINK,
        config=layered_config(),
    )
    # warn and min_tokens from MVP; fail and min_requests from THINK (MVP leaves them out).
    assert (resolved.warn, resolved.fail, resolved.min_tokens, resolved.min_requests) == (
        0.3,
        0.8,
        3000,
        7,
    )
    assert resolved.warn_source is ThresholdSource.ENVIRONMENT
    assert resolved.fail_source is ThresholdSource.PHASE
    assert resolved.describe(resolved.warn_source) == "the MVP environment thresholds"
    assert resolved.describe(resolved.fail_source) == "the THINK phase thresholds"


def test_plan_beats_environment_and_slice_beats_plan() -> None:
    owner = plan(
        environment=Environment.MVP,
        thresholds=Thresholds(warn=0.5, fail=1.0),
        slices=[plan_slice("S1", thresholds=Thresholds(fail=2.0))],
    )
    resolved = resolve_thresholds(
        plan=owner, slice_=owner.slices[0], phase=None, config=layered_config()
    )
    assert (resolved.warn, resolved.fail) == (0.5, 2.0)
    assert resolved.warn_source is ThresholdSource.PLAN
    assert resolved.fail_source is ThresholdSource.SLICE
    assert resolved.min_tokens == 3000  # from MVP: neither plan nor slice sets a floor
    assert resolved.describe(ThresholdSource.SLICE) == "the slice's thresholds"


def test_shipped_defaults_fill_what_a_user_default_leaves_out() -> None:
    config = GateConfig(thresholds=ThresholdConfig(default=Thresholds(warn=0.1)))
    resolved = resolve_thresholds(plan=plan(), slice_=None, phase=None, config=config)
    assert (resolved.warn, resolved.fail, resolved.min_tokens, resolved.min_requests) == (
        0.1,
        0.5,
        2000,
        5,
    )
    assert resolved.warn_source is ThresholdSource.DEFAULT
    assert resolved.fail_source is ThresholdSource.SHIPPED


def test_slice_phase_only_when_every_run_agrees_on_one_phase() -> None:
    think = report("r-1", phase=Phase.THINK)
    think_again = report("r-2", phases={Phase.THINK: PhaseUsage(prompt_tokens=10)})
    build = report("r-3", phase=Phase.IMPLEMENT)
    unphased = report("r-4")
    both = report(
        "r-5",
        phases={Phase.THINK: PhaseUsage(prompt_tokens=1), Phase.PR: PhaseUsage(prompt_tokens=1)},
    )
    assert slice_phase([think, think_again]) is Phase.THINK
    assert slice_phase([think, build]) is None
    assert slice_phase([think, unphased]) is None
    assert slice_phase([both]) is None
    assert slice_phase([]) is None


# --- numbers -------------------------------------------------------------------------------


def test_under_estimate_has_negative_variance_and_no_flag() -> None:
    # estimate 10 requests, 8,000 + 2,000 = 10,000 tokens; actual 9 requests, 9,000 tokens.
    result = variance_of(estimate(), report(requests=9, prompt=7_000, completion=2_000))
    assert result == Variance(
        estimated_requests=10,
        estimated_tokens=10_000,
        actual_requests=9,
        actual_tokens=9_000,
        request_variance=-1,  # 9 - 10
        token_variance=-1_000,  # 9,000 - 10,000
        variance_ratio=-0.1,  # -1,000 / 10,000
        request_variance_ratio=-0.1,  # -1 / 10
        breach=BreachLevel.NONE,
        drivers=(),
        unpriced_runs=1,  # no price data and no cost written: the run's cost is unknown
    )


def test_actuals_sum_every_run_whatever_its_status() -> None:
    runs = [
        report("r-1", requests=2, prompt=3_000, completion=1_000, status=RunStatus.PASS),
        report("r-2", requests=3, prompt=2_000, completion=1_000, status=RunStatus.FAIL),
        report("r-3", requests=1, prompt=500, completion=500, status=RunStatus.BLOCKED),
    ]
    result = variance_of(estimate(), *runs)
    # tokens 4,000 + 3,000 + 1,000 = 8,000; requests 2 + 3 + 1 = 6
    assert (result.actual_tokens, result.actual_requests) == (8_000, 6)
    assert (result.token_variance, result.request_variance) == (-2_000, -4)


def test_ratios_round_to_four_decimals() -> None:
    # tokens: (40,000 - 30,000) / 30,000 = 0.33333… -> 0.3333
    # requests: (4 - 3) / 3 = 0.33333… -> 0.3333
    est = estimate(requests=3, prompt=20_000, completion=10_000)
    result = variance_of(est, report(requests=4, prompt=30_000, completion=10_000))
    assert result.variance_ratio == 0.3333
    assert result.request_variance_ratio == 0.3333


@pytest.mark.parametrize(
    ("actual_tokens", "level"),
    [
        (12_000, BreachLevel.NONE),  # +2,000 = 20 %: under warn 25 %
        (12_500, BreachLevel.WARNING),  # +2,500 = 25 %: exactly warn counts
        (13_000, BreachLevel.WARNING),  # +3,000 = 30 %
        (15_000, BreachLevel.BREACH),  # +5,000 = 50 %: exactly fail counts
        (30_000, BreachLevel.BREACH),  # +20,000 = 200 %
    ],
)
def test_token_ratio_against_warn_and_fail(actual_tokens: int, level: BreachLevel) -> None:
    # estimate 10,000 tokens; requests stay on estimate (10) so only tokens can trip.
    actual = report(prompt=actual_tokens - 2_000, completion=2_000)
    assert variance_of(estimate(), actual).breach is level


def test_token_floor_keeps_small_estimates_quiet() -> None:
    # estimate 1,000 tokens, actual 1,900: +90 % but only 900 tokens over (< 2,000 floor).
    est = estimate(prompt=800, completion=200)
    assert variance_of(est, report(prompt=1_500, completion=400)).breach is BreachLevel.NONE


def test_overrun_exactly_at_the_floor_is_flagged() -> None:
    # estimate 2,000 tokens, actual 4,000: +2,000 (= floor), ratio 1.0 >= fail 0.5.
    est = estimate(prompt=1_000, completion=1_000)
    result = variance_of(est, report(prompt=3_000, completion=1_000))
    assert (result.variance_ratio, result.breach) == (1.0, BreachLevel.BREACH)


def test_request_floor() -> None:
    # estimate 2 requests, actual 6: +200 % but only 4 over (< 5 floor); tokens on estimate.
    assert variance_of(estimate(requests=2), report(requests=6)).breach is BreachLevel.NONE


def test_requests_alone_can_breach_and_drivers_then_count_requests() -> None:
    # estimate 10 requests; actual 12 + 4 = 16: +6 (>= floor 5), 60 % >= fail 50 %.
    # tokens 6,000 + 4,000 = 10,000 = estimate, so tokens do not trip.
    runs = [
        report("r-1", agent="codex", requests=12, prompt=5_000, completion=1_000),
        report("r-2", agent="claude-code", requests=4, prompt=3_000, completion=1_000),
    ]
    judged = assess(estimate=estimate(), reports=runs, thresholds=DEFAULT)
    assert judged.token_level is BreachLevel.NONE
    assert judged.request_level is BreachLevel.BREACH
    assert judged.variance.request_variance_ratio == 0.6
    # shares of 16 requests: 12/16 = 75 %, 4/16 = 25 %
    assert judged.variance.drivers == (
        "run r-1 75%",
        "run r-2 25%",
        "agent codex 75%",
        "agent claude-code 25%",
    )


def test_zero_estimate_has_no_ratio_but_breaches_past_the_floor() -> None:
    zero = estimate(requests=0, prompt=0, completion=0)
    # 2,500 tokens over a zero estimate: over the 2,000 floor -> breach; 3 requests < 5 floor.
    result = variance_of(zero, report(requests=3, prompt=2_000, completion=500))
    assert (result.variance_ratio, result.request_variance_ratio) == (None, None)
    assert (result.token_variance, result.request_variance) == (2_500, 3)
    assert result.breach is BreachLevel.BREACH


def test_zero_estimate_below_the_floor_is_not_flagged() -> None:
    zero = estimate(requests=0, prompt=0, completion=0)
    assert variance_of(zero, report(requests=3, prompt=1_000, completion=500)).breach is (
        BreachLevel.NONE
    )
    unused = variance_of(zero)
    assert (unused.token_variance, unused.variance_ratio, unused.breach) == (
        0,
        None,
        BreachLevel.NONE,
    )


def test_missing_estimate_gives_actuals_only() -> None:
    result = variance_of(None, report(requests=50, prompt=90_000, completion=10_000))
    assert result == Variance(
        estimated_requests=None,
        estimated_tokens=None,
        actual_requests=50,
        actual_tokens=100_000,
        request_variance=None,
        token_variance=None,
        variance_ratio=None,
        request_variance_ratio=None,
        unpriced_runs=1,
    )


def test_breach_uses_resolved_thresholds() -> None:
    lenient = resolve_thresholds(
        plan=plan(thresholds=Thresholds(warn=1.0, fail=3.0)),
        slice_=None,
        phase=None,
        config=GateConfig(),
    )
    # +50 % breaches the default but is under the plan's warn of 100 %.
    actual = report(prompt=13_000, completion=2_000)
    assert variance_of(estimate(), actual, thresholds=lenient).breach is BreachLevel.NONE


# --- drivers -------------------------------------------------------------------------------


def test_drivers_name_top_runs_agents_and_models_by_token_share() -> None:
    runs = [
        report("r-1", agent="claude-code", prompt=5_000, completion=1_100, model="sonnet"),
        report("r-2", agent="codex", prompt=2_000, completion=1_000, model="gpt-5"),
        report(
            "r-3",
            agent="claude-code",
            prompt=700,
            completion=200,
            model="ignored-when-rows-exist",
            usage_by_model=[
                model_usage("sonnet", prompt=500, completion=100),
                model_usage("haiku", prompt=200, completion=100),
            ],
        ),
    ]
    # estimate 5,000 tokens; actual 6,100 + 3,000 + 900 = 10,000: +100 % -> breach.
    est = estimate(prompt=4_000, completion=1_000)
    result = variance_of(est, *runs)
    assert result.breach is BreachLevel.BREACH
    assert result.drivers == (
        "run r-1 61%",  # 6,100 / 10,000
        "run r-2 30%",  # 3,000 / 10,000 (r-3 at 9 % is third, cut)
        "agent claude-code 70%",  # (6,100 + 900) / 10,000
        "agent codex 30%",
        "model sonnet 67%",  # (6,100 + 600 from r-3's row) / 10,000
        "model gpt-5 30%",  # haiku 300 = 3 % is third, cut
    )


def test_runs_without_a_model_are_not_attributed() -> None:
    est = estimate(prompt=4_000, completion=1_000)
    result = variance_of(est, report(prompt=8_000, completion=2_000))
    assert result.drivers == ("run r-1 100%", "agent claude-code 100%")


def test_no_drivers_without_a_flag() -> None:
    assert variance_of(estimate(), report(model="sonnet")).drivers == ()


# --- counts and totals ---------------------------------------------------------------------


def test_run_counts_by_status() -> None:
    runs = [
        report("a", status=RunStatus.PASS),
        report("b", status=RunStatus.PASS),
        report("c", status=RunStatus.FAIL),
        report("d", status=RunStatus.BLOCKED),
    ]
    assert run_counts(runs) == RunCounts(passed=2, failed=1, blocked=1)
    assert run_counts([]).total == 0


def test_total_sums_estimates_only_where_a_slice_has_one() -> None:
    over = variance_of(
        estimate(requests=10, prompt=8_000, completion=2_000),
        report(requests=12, prompt=10_000, completion=2_000),
    )
    unestimated = variance_of(None, report(requests=4, prompt=2_000, completion=1_000))
    under = variance_of(
        estimate(requests=5, prompt=4_000, completion=1_000),
        report(requests=3, prompt=3_000, completion=1_000),
    )
    total = total_variance([over, unestimated, under])
    # estimated: 10,000 + 5,000 = 15,000 tokens, 10 + 5 = 15 requests (unestimated adds none)
    # actual: 12,000 + 3,000 + 4,000 = 19,000 tokens, 12 + 4 + 3 = 19 requests
    assert total == Variance(
        estimated_requests=15,
        estimated_tokens=15_000,
        actual_requests=19,
        actual_tokens=19_000,
        request_variance=4,
        token_variance=4_000,
        variance_ratio=0.2667,  # 4,000 / 15,000 = 0.26666…
        request_variance_ratio=0.2667,  # 4 / 15
        breach=BreachLevel.NONE,
        unpriced_runs=3,  # one run a slice, none priced (no price data)
    )


def test_total_without_any_estimate() -> None:
    unestimated = variance_of(None, report(requests=4, prompt=2_000, completion=1_000))
    total = total_variance([unestimated, unestimated])
    assert (total.estimated_tokens, total.token_variance, total.variance_ratio) == (
        None,
        None,
        None,
    )
    assert (total.actual_tokens, total.actual_requests) == (6_000, 8)


def test_total_of_zero_estimates_has_no_ratio() -> None:
    zero = variance_of(estimate(requests=0, prompt=0, completion=0), report())
    total = total_variance([zero])
    assert (total.estimated_tokens, total.token_variance, total.variance_ratio) == (
        0,
        10_000,
        None,
    )
