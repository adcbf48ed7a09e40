"""Cost in the gate: run and estimate costs, USD thresholds, `unpriced-model` notices, rendering.

Prices (genai-prices 0.2.3, per million tokens): claude-sonnet-4-5 input $3, output $15, cache
read $0.30, cache write $3.75; gpt-4.1 input $2, cached $0.50, output $8.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from budget_gate.cost.pricing import GenaiPrices, PriceQuery
from budget_gate.cost.usd import Unpriced, estimate_cost, run_cost
from budget_gate.judge.engine import judge
from budget_gate.judge.messages import variance_message
from budget_gate.judge.report import BreachLevel, Report
from budget_gate.judge.rules import RuleContext, evaluate
from budget_gate.judge.thresholds import resolve_thresholds
from budget_gate.judge.variance import assess, total_variance
from budget_gate.load.phase_budgets import shipped_phase_budgets
from budget_gate.models.common import Environment, Thresholds
from budget_gate.models.config import GateConfig, ThresholdConfig
from budget_gate.models.estimate import EstimationMethod, EstimationRecord
from budget_gate.models.findings import FindingCode, Severity
from budget_gate.models.usage import CostSource, ModelUsage, RunStatus, UsageReport
from budget_gate.render.json_report import report_to_dict
from budget_gate.render.markdown import render_markdown
from budget_gate.render.text import render_text
from budget_gate.scope.change import Change, ScopeKind
from builders import artifacts, plan, plan_slice, ref, scope

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PRICES = GenaiPrices()
DEFAULT = resolve_thresholds(plan=plan(), slice_=None, phase=None, config=GateConfig())


def usage(run_id: str = "r-1", slice_id: str = "S1", **fields: Any) -> UsageReport:
    """A sonnet run: 100,000 prompt (60,000 cache read, 10,000 cache write), 5,000 completion.

    Priced as one request: 30,000 x 3 + 60,000 x 0.30 + 10,000 x 3.75 + 5,000 x 15 (per
    million) = 0.09 + 0.018 + 0.0375 + 0.075 = 0.2205.
    """
    values: dict[str, Any] = {
        "run_id": run_id,
        "plan_id": "P1",
        "slice_id": slice_id,
        "agent_id": "claude-code",
        "actual_requests": 1,
        "actual_prompt_tokens": 100_000,
        "actual_completion_tokens": 5_000,
        "actual_total_tokens": 105_000,
        "actual_cache_read_tokens": 60_000,
        "actual_cache_write_tokens": 10_000,
        "duration_seconds": 60.0,
        "status": RunStatus.PASS,
        "report_timestamp": AT,
        "provider": "anthropic",
        "model": "claude-sonnet-4-5",
    }
    values.update(fields)
    return UsageReport.model_validate(values)


def estimate(**fields: Any) -> EstimationRecord:
    """80,000 prompt + 4,000 completion tokens in 2 requests of claude-sonnet-4-5:
    per request 40,000 x 3 + 2,000 x 15 = 0.15, so 0.30 (an estimate has no cache split)."""
    values: dict[str, Any] = {
        "plan_id": "P1",
        "slice_id": "S1",
        "estimated_requests": 2,
        "estimated_prompt_tokens": 80_000,
        "estimated_completion_tokens": 4_000,
        "estimation_method": EstimationMethod.MANUAL,
        "estimation_owner": "planner",
        "estimation_timestamp": AT,
        "model": "claude-sonnet-4-5",
    }
    values.update(fields)
    return EstimationRecord.model_validate(values)


class NeverCalled:
    """A price book for records whose cost is already written: asking it is a bug."""

    version = "never"

    def price(self, query: PriceQuery) -> Decimal | None:
        raise AssertionError(f"priced {query.model} although its cost was written")


# --- one record's cost -------------------------------------------------------------------------


def test_a_run_without_a_written_cost_is_priced_from_its_tokens() -> None:
    cost = run_cost(usage(), PRICES)
    assert (cost.shown, cost.computed, cost.reported, cost.unpriced) == (0.2205, 0.2205, None, ())


def test_a_reported_cost_is_shown_and_the_computed_one_kept_beside_it() -> None:
    report = usage(actual_cost_usd=0.25, cost_source=CostSource.REPORTED)
    cost = run_cost(report, PRICES)
    assert (cost.shown, cost.computed, cost.reported) == (0.25, 0.2205, 0.25)


def test_written_costs_are_used_as_they_are() -> None:
    computed = usage(actual_cost_usd=0.3, cost_source=CostSource.COMPUTED)
    assert run_cost(computed, NeverCalled()).shown == 0.3
    both = usage(actual_cost_usd=0.4, cost_source=CostSource.REPORTED, computed_cost_usd=0.35)
    assert (run_cost(both, NeverCalled()).shown, run_cost(both, NeverCalled()).computed) == (
        0.4,
        0.35,
    )


def test_each_model_row_is_priced_at_its_own_price() -> None:
    rows = [
        ModelUsage(model="claude-sonnet-4-5", prompt_tokens=100_000, completion_tokens=5_000,
                   cache_read_tokens=60_000, cache_write_tokens=10_000, requests=1),
        ModelUsage(model="gpt-4.1", provider="openai", prompt_tokens=5_231,
                   completion_tokens=612, cache_read_tokens=3_072, requests=1),
    ]  # fmt: skip
    report = usage(
        actual_prompt_tokens=105_231,
        actual_completion_tokens=5_612,
        actual_total_tokens=110_843,
        actual_cache_read_tokens=63_072,
        actual_requests=2,
        usage_by_model=rows,
    )
    # sonnet 0.2205 + gpt-4.1 (2,159 x 2 + 3,072 x 0.50 + 612 x 8 = 0.01075)
    assert run_cost(report, PRICES).shown == 0.23125


def test_an_unknown_model_or_no_model_leaves_the_cost_unknown_and_says_which() -> None:
    unknown = run_cost(usage(model="acme-coder-7b-ft", provider="openai"), PRICES)
    assert (unknown.shown, unknown.unpriced) == (None, (Unpriced("acme-coder-7b-ft", "openai"),))
    nameless = run_cost(usage(model=None, provider=None), PRICES)
    assert (nameless.shown, nameless.unpriced) == (None, (Unpriced(None, None),))
    # a reported cost needs no price: nothing is unknown then
    reported = usage(model="acme-coder-7b-ft", actual_cost_usd=1.0, cost_source="reported")
    assert run_cost(reported, PRICES).unpriced == ()


def test_an_estimate_is_priced_for_its_model_per_estimated_request() -> None:
    assert estimate_cost(estimate(), PRICES).shown == 0.3
    assert estimate_cost(estimate(estimated_cost_usd=0.5), NeverCalled()).shown == 0.5
    assert estimate_cost(estimate(model=None), PRICES).shown is None
    unknown = estimate_cost(estimate(model="acme-coder-7b-ft"), PRICES)
    assert unknown.unpriced == (Unpriced("acme-coder-7b-ft", None),)


# --- variance and USD thresholds ---------------------------------------------------------------


def test_the_slice_cost_variance() -> None:
    runs = [usage("r-1"), usage("r-2", actual_cost_usd=0.25, cost_source="reported")]
    variance = assess(estimate=estimate(), reports=runs, thresholds=DEFAULT, prices=PRICES).variance

    assert variance.estimated_cost_usd == 0.3
    assert variance.actual_cost_usd == 0.4705  # 0.2205 computed + 0.25 reported
    assert variance.computed_cost_usd == 0.441  # 0.2205 + 0.2205
    assert variance.computed_cost_differs
    assert variance.cost_variance_usd == 0.1705
    assert variance.cost_variance_ratio == 0.5683  # 0.1705 / 0.3


def test_usd_thresholds_flag_a_cost_overrun() -> None:
    config = GateConfig(
        thresholds=ThresholdConfig(
            environments={Environment.PROD: Thresholds(warn_usd=0.1, fail_usd=0.5)}
        )
    )
    prod = plan(environment=Environment.PROD)
    limits = resolve_thresholds(plan=prod, slice_=None, phase=None, config=config)
    assert (limits.warn_usd, limits.fail_usd) == (0.1, 0.5)

    # tokens 210,000 against 84,000 would breach too: judge cost alone with a generous ratio
    generous = resolve_thresholds(
        plan=plan(environment=Environment.PROD, thresholds=Thresholds(warn=50, fail=100)),
        slice_=None,
        phase=None,
        config=config,
    )
    runs = [usage("r-1"), usage("r-2")]  # 0.441 against 0.30: +0.141
    judged = assess(estimate=estimate(), reports=runs, thresholds=generous, prices=PRICES)
    assert (judged.token_level, judged.cost_level) == (BreachLevel.NONE, BreachLevel.WARNING)
    assert judged.variance.breach is BreachLevel.WARNING
    assert variance_message(ref=ref("P1/S1"), judged=judged) == (
        "P1/S1 spent $0.44 against an estimated cost of $0.30 (+$0.14), reaching the warn_usd "
        "threshold of $0.10 over the estimated cost set by the PROD environment thresholds. "
        "Most spent by: run r-1 50%, run r-2 50%, agent claude-code 100%, "
        "model claude-sonnet-4-5 100%."
    )


def test_a_slice_threshold_in_usd_wins_over_the_environment() -> None:
    config = GateConfig(
        thresholds=ThresholdConfig(environments={Environment.PROD: Thresholds(fail_usd=5.0)})
    )
    item = plan_slice("S1", thresholds=Thresholds(fail_usd=0.1))
    limits = resolve_thresholds(
        plan=plan(environment=Environment.PROD), slice_=item, phase=None, config=config
    )
    assert (limits.fail_usd, limits.fail_usd_source.value if limits.fail_usd_source else None) == (
        0.1,
        "slice",
    )
    assert (limits.warn_usd, limits.warn_usd_source) == (None, None)


def test_without_usd_thresholds_cost_flags_nothing() -> None:
    runs = [usage("r-1"), usage("r-2"), usage("r-3")]
    judged = assess(estimate=estimate(), reports=runs, thresholds=DEFAULT, prices=PRICES)
    assert judged.cost_level is BreachLevel.NONE


def test_a_lower_bound_of_requests_says_nothing_about_an_underrun() -> None:
    runs = [usage(actual_requests=1, requests_lower_bound=True)]
    variance = assess(estimate=estimate(), reports=runs, thresholds=DEFAULT, prices=PRICES).variance
    assert (variance.actual_requests, variance.requests_lower_bound) == (1, True)
    assert (variance.request_variance, variance.request_variance_ratio) == (None, None)


def test_a_slice_with_an_unpriced_run_shows_the_priced_part_as_a_lower_bound() -> None:
    runs = [usage("r-1"), usage("r-2", model="acme-coder-7b-ft"), usage("r-3", model=None)]
    variance = assess(estimate=estimate(), reports=runs, thresholds=DEFAULT, prices=PRICES).variance
    # r-1 costs 0.2205 (see `usage`); r-2 and r-3 cannot be priced.
    assert (variance.actual_cost_usd, variance.unpriced_runs) == (0.2205, 2)
    assert variance.cost_lower_bound
    # 0.2205 is below the estimated 0.30, but the two unpriced runs may well make up the rest.
    assert (variance.cost_variance_usd, variance.cost_variance_ratio) == (None, None)
    assert variance.computed_cost_usd is None


def test_a_lower_bound_over_the_estimate_is_still_a_certain_overrun() -> None:
    runs = [usage("r-1"), usage("r-2"), usage("r-3", model="acme-coder-7b-ft")]
    variance = assess(estimate=estimate(), reports=runs, thresholds=DEFAULT, prices=PRICES).variance
    # 2 x 0.2205 = 0.441 against 0.30: at least +0.141, whatever r-3 cost.
    assert (variance.actual_cost_usd, variance.cost_variance_usd) == (0.441, 0.141)


def test_a_slice_with_no_priced_run_has_an_unknown_cost() -> None:
    runs = [usage("r-1", model="acme-coder-7b-ft")]
    variance = assess(estimate=None, reports=runs, thresholds=DEFAULT, prices=PRICES).variance
    assert (variance.actual_cost_usd, variance.unpriced_runs) == (None, 1)
    assert not variance.cost_lower_bound


def test_totals_add_what_is_known_and_count_the_unpriced_runs() -> None:
    known = assess(estimate=estimate(), reports=[usage()], thresholds=DEFAULT, prices=PRICES)
    unknown = assess(
        estimate=None, reports=[usage(model="acme-coder-7b-ft")], thresholds=DEFAULT, prices=PRICES
    )
    total = total_variance([known.variance, unknown.variance])
    assert (total.estimated_cost_usd, total.actual_cost_usd, total.unpriced_runs) == (
        0.3,
        0.2205,
        1,
    )
    both = total_variance([known.variance, known.variance])
    assert (both.actual_cost_usd, both.unpriced_runs) == (0.441, 0)
    assert total_variance([unknown.variance]).actual_cost_usd is None


# --- notices and rendering ----------------------------------------------------------------------


def priced_context(*reports: UsageReport) -> RuleContext:
    return RuleContext.build(
        scope=scope("P1/S1", "P1/S2"),
        artifacts=artifacts(
            plans=[plan(slices=[plan_slice("S1"), plan_slice("S2")])],
            estimates=[estimate(), estimate(slice_id="S2", model=None)],
            reports=list(reports),
        ),
        config=GateConfig(),
        prices=PRICES,
    )


def test_an_unknown_model_is_a_notice_naming_it_never_a_failure() -> None:
    ctx = priced_context(
        usage("r-1"),
        usage("r-2", slice_id="S2", model="acme-coder-7b-ft", provider="openai"),
        usage("r-3", slice_id="S2", model="acme-coder-7b-ft", provider="openai"),
        usage("r-4", slice_id="S2", model=None, provider=None),
    )
    found = [item for item in evaluate(ctx) if item.code is FindingCode.UNPRICED_MODEL]
    assert [(item.severity, item.path, item.field) for item in found] == [
        (Severity.NOTICE, "plans/p1/usage/r-2.yaml", "model"),
        (Severity.NOTICE, "plans/p1/usage/r-4.yaml", None),
    ]
    assert found[0].message == (
        "genai-prices 0.2.3 has no price for model acme-coder-7b-ft (provider openai), so the "
        "cost of run r-2 (P1/S2), run r-3 (P1/S2) is unknown and left out of the costs shown."
    )
    assert found[1].message == (
        "run r-4 (P1/S2) names no model, so its cost is unknown and left out of the costs shown."
    )


def judged_report(
    *reports: UsageReport, estimates: Sequence[EstimationRecord] | None = None
) -> Report:
    return judge(
        change=Change(kind=ScopeKind.AUDIT),
        artifacts=artifacts(
            plans=[plan(slices=[plan_slice("S1"), plan_slice("S2")])],
            estimates=[estimate()] if estimates is None else estimates,
            reports=list(reports),
        ),
        config=GateConfig(),
        budgets=shipped_phase_budgets(),
        labels=(),
        now=AT,
        prices=PRICES,
    )


def test_the_report_shows_cost_columns_and_names_the_price_data() -> None:
    report = judged_report(usage("r-1", actual_cost_usd=0.25, cost_source="reported"))
    markdown = render_markdown(report)
    assert (
        "| Slice | Status | Tokens actual / estimate | Requests actual / estimate | "
        "Cost actual / estimate | Runs P/F/B | Breach |"
    ) in markdown
    # the agent's $0.25 with the price data's $0.2205 beside it, against an estimated $0.30;
    # dollar signs escaped so that two amounts on a line never open GitHub's inline math
    assert "| \\$0.25&nbsp;/&nbsp;\\$0.30 (-\\$0.05), computed \\$0.22 |" in markdown
    assert "· prices: `genai-prices 0.2.3`" in markdown
    text = render_text(report)
    assert "COST est / actual / variance" in text
    assert "$0.30 / $0.25 (computed $0.22) / -$0.05" in text
    assert "Computed costs use genai-prices 0.2.3." in text
    data = report_to_dict(report)
    s1 = next(item for item in data["slices"] if item["slice_id"] == "S1")
    assert s1["cost"] == {
        "estimated_usd": 0.3,
        "actual_usd": 0.25,
        "unpriced_runs": 0,
        "computed_usd": 0.2205,
        "variance_usd": -0.05,
        "ratio": -0.1667,
    }
    assert s1["requests_lower_bound"] is False
    assert data["price_data"] == "genai-prices 0.2.3"
    assert json.dumps(data)  # every value is JSON


def test_a_partial_cost_shows_its_lower_bound_in_every_format() -> None:
    report = judged_report(
        usage("r-1", actual_cost_usd=1.2, cost_source="reported"),
        usage("r-2", model="acme-coder-7b-ft"),
        usage("r-3", model="acme-coder-7b-ft"),
    )
    markdown = render_markdown(report)
    s1_row = next(line for line in markdown.splitlines() if line.startswith("| `P1/S1`"))
    # $1.20 known against the estimated $0.30: an overrun of at least $0.90.
    assert "| ≥&nbsp;\\$1.20&nbsp;/&nbsp;\\$0.30 (+\\$0.90), 2&nbsp;runs&nbsp;unpriced |" in s1_row
    total = next(line for line in markdown.splitlines() if line.startswith("| **Total**"))
    assert "≥&nbsp;\\$1.20" in total and "2&nbsp;runs&nbsp;unpriced" in total
    text = render_text(report)
    assert "$0.30 / ≥ $1.20 (2 runs unpriced) / +$0.90" in text
    data = report_to_dict(report)
    s1 = next(item for item in data["slices"] if item["slice_id"] == "S1")
    assert (s1["cost"]["actual_usd"], s1["cost"]["unpriced_runs"]) == (1.2, 2)
    assert (data["totals"]["cost"]["actual_usd"], data["totals"]["cost"]["unpriced_runs"]) == (
        1.2,
        2,
    )


def test_without_any_cost_the_report_has_no_cost_columns_and_no_notices() -> None:
    report = judged_report(
        usage("r-1", model=None, provider=None), estimates=[estimate(model=None)]
    )
    markdown = render_markdown(report)
    assert "Estimated cost" not in markdown
    assert "prices:" not in markdown
    assert "COST" not in render_text(report)
    assert report.price_data is None
    assert [item for item in report.findings if item.code is FindingCode.UNPRICED_MODEL] == []
