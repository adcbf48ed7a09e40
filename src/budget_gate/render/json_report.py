"""The JSON report (`budget-gate check --format json`): the whole report, for machines.

Keys are stable; lists are sorted (slices by plan and slice ID, findings worst first, then path,
line, code and message), objects' keys alphabetically, so two runs on the same input give the same
bytes. Nothing is cut. Unknown numbers are `null`.

    {
      "verdict": "pass" | "fail",
      "mode": "enforce" | "observe",
      "kind": "pull-request" | "release" | "audit",
      "base": str | null,             # base commit or ref of the range
      "head": str | null,
      "generated_at": str,            # ISO 8601 with timezone
      "waiver": {"label": str, "applied": bool},  # the configured label; applied: the PR has it
      "notes": [str],                 # caveats: audit scope, API caps
      "slices": [{
        "plan_id": str, "slice_id": str, "title": str | null,
        "status": "draft" | "approved" | "ready-for-build" | "in-progress" | "done" | "cancelled",
        "reasons": [str],             # why in scope: plan-changed, record-changed, ... (sorted)
        "estimate": {"requests": int | null, "tokens": int | null},
        "actual": {"requests": int, "tokens": int},
        "requests_lower_bound": bool, # a run did not count its requests: actual is a minimum
        "variance": {
          "requests": int | null,     # actual - estimated
          "tokens": int | null,       # actual total - estimated total
          "ratio": float | null,      # tokens / estimated total; null when the estimate is 0
          "request_ratio": float | null
        },
        "cost": {                     # US dollars; null when unknown
          "estimated_usd": float | null,
          "actual_usd": float | null,     # as the agents reported it where they did; with
                                          # unpriced_runs > 0 the priced runs only (a lower bound)
          "unpriced_runs": int,           # runs whose cost is unknown, left out of actual_usd
          "computed_usd": float | null,   # the same runs priced by the price data alone
          "variance_usd": float | null,   # actual - estimated (null when a lower bound is below)
          "ratio": float | null           # variance / estimated
        },
        "breach": "none" | "warning" | "breach",
        "drivers": [str],             # what spent most when breached
        "runs": {"pass": int, "fail": int, "blocked": int, "total": int},
        "plan_path": str,
        "estimate_path": str | null,
        "run_ids": [str],
        "phase_budget": null | {      # every slice with a usage report (§6.3)
          "complexity": str, "importance": str,
          "sizing_assumed": bool,     # neither slice nor plan sets them: Medium/medium used
          "phase_data": bool,         # some run reports a phase (else "phases" is empty)
          "cumulative": {"budget_source": "estimate" | "formula", "budget_tokens": int,
                         "actual_tokens": int, "utilisation": float | null,
                         "status": "within" | "warning" | "exceeded"},
          "unattributed_tokens": int, # spend of runs that name no phase
          "stop_loss": "none" | "triggered" | "allowed",
          "enforced": bool,           # a trip is an error (stop_loss.enforce_importance)
          "trips": [{"phase": str | null, "actual_tokens": int, "budget_tokens": int,
                     "utilisation": float | null, "limit": float, "allowed": bool}],
          "latency": {"budget_ms": int, "actual_ms": int, "utilisation": float | null,
                      "status": str, "trips": [{"phase": str | null, "actual_ms": int,
                      "budget_ms": int, "utilisation": float | null, "limit": float}]},
          "phases": [{"phase": str, "budget_source": "estimate" | "slice" | "plan" | "formula",
                      "budget_tokens": int, "actual_tokens": int,
                      "utilisation": float | null, "status": str,
                      "budget_requests": int, "actual_requests": int,
                      "budget_latency_ms": int, "actual_duration_ms": int | null,
                      "latency_utilisation": float | null, "latency_status": str | null}]
        }
      }],
      "findings": [{
        "code": str,                  # kebab-case finding code, e.g. "missing-estimate"
        "severity": "error" | "warning" | "notice",
        "message": str,
        "path": str | null, "line": int | null,
        "plan_id": str | null, "slice_id": str | null,
        "field": str | null,          # the artifact field at fault, when there is one
        "fix": str | null             # what to do about it
      }],
      "totals": {"estimate", "actual", "requests_lower_bound", "variance", "cost", "breach",
                 "drivers", "runs"},  # as a slice's
      "price_data": str | null        # e.g. "genai-prices 0.2.3" when costs are shown
    }

A cost is null when it is unknown: no model to price, or one the price data has no price for
(the `unpriced-model` notices say which). When only some runs are unknown, `actual_usd` is the
known part and `unpriced_runs` counts the rest.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from budget_gate.judge.report import Report, RunCounts, SliceResult, Variance, utc_stamp
from budget_gate.models.findings import Finding
from budget_gate.render.escape import LEGACY_COMMAND
from budget_gate.render.phases import to_json as phase_budget_json


def _ratio(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _numbers(variance: Variance, runs: RunCounts) -> dict[str, Any]:
    return {
        "estimate": {
            "requests": variance.estimated_requests,
            "tokens": variance.estimated_tokens,
        },
        "actual": {"requests": variance.actual_requests, "tokens": variance.actual_tokens},
        "requests_lower_bound": variance.requests_lower_bound,
        "variance": {
            "requests": variance.request_variance,
            "tokens": variance.token_variance,
            "ratio": _ratio(variance.variance_ratio),
            "request_ratio": _ratio(variance.request_variance_ratio),
        },
        "cost": {
            "estimated_usd": variance.estimated_cost_usd,
            "actual_usd": variance.actual_cost_usd,
            "unpriced_runs": variance.unpriced_runs,
            "computed_usd": variance.computed_cost_usd,
            "variance_usd": variance.cost_variance_usd,
            "ratio": _ratio(variance.cost_variance_ratio),
        },
        "breach": variance.breach.value,
        "drivers": list(variance.drivers),
        "runs": {
            "pass": runs.passed,
            "fail": runs.failed,
            "blocked": runs.blocked,
            "total": runs.total,
        },
    }


def _slice(result: SliceResult) -> dict[str, Any]:
    return {
        "plan_id": result.ref.plan_id,
        "slice_id": result.ref.slice_id,
        "title": result.title,
        "status": result.status.value,
        "reasons": sorted(reason.value for reason in result.reasons),
        **_numbers(result.variance, result.runs),
        "plan_path": result.plan_path,
        "estimate_path": result.estimate_path,
        "run_ids": list(result.run_ids),
        "phase_budget": phase_budget_json(result.phase_budget),
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code.value,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "plan_id": finding.plan_id,
        "slice_id": finding.slice_id,
        "field": finding.field,
        "fix": finding.fix,
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data, in the documented shape."""
    return {
        "verdict": report.verdict.value,
        "mode": report.mode.value,
        "kind": report.kind.value,
        "base": report.base,
        "head": report.head,
        "generated_at": utc_stamp(report.generated_at),
        "waiver": (
            {"label": report.waiver.label, "applied": report.waiver.applied}
            if report.waiver
            else None
        ),
        "notes": list(report.notes),
        "slices": [_slice(item) for item in sorted(report.slices, key=lambda item: item.ref)],
        "findings": [
            _finding(item)
            for item in sorted(report.findings, key=lambda item: (*item.sort_key(), item.message))
        ],
        "totals": _numbers(report.totals, report.total_runs),
        "price_data": report.price_data,
    }


def render_json(report: Report) -> str:
    """`report_to_dict` as deterministic, human-diffable JSON text ending in a newline.

    `##[` (a legacy workflow command anywhere in a log line) can only occur inside a string,
    where `##\\u005b` is the same value, so the JSON printed in a `run:` step stays inert."""
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    text = orjson.dumps(report_to_dict(report), option=options).decode("utf-8")
    return text.replace(LEGACY_COMMAND, "##\\u005b")
