"""Ready-to-paste YAML for a missing estimation record or usage report (DESIGN §3.2, §3.3).

Every required field is present. What only the author can know is `null` with a comment saying
what goes there: an unedited stub is then rejected by the gate (`invalid-artifact` naming the
field) instead of passing with made-up zeros. IDs are double-quoted so `NO` or `0012` stay strings.
"""

from __future__ import annotations

from collections.abc import Sequence

from budget_gate.models.common import SliceRef
from budget_gate.render.escape import plain, yaml_scalar

Field = tuple[str, str]
"""A `key: value` line and its trailing comment (may be empty)."""


def _estimate_fields(ref: SliceRef, now_iso: str) -> list[Field]:
    return [
        (f"plan_id: {yaml_scalar(ref.plan_id)}", ""),
        (f"slice_id: {yaml_scalar(ref.slice_id)}", ""),
        ("estimated_requests: null", "required: planned model requests (whole number)"),
        ("estimated_prompt_tokens: null", "required: planned input tokens, cache included"),
        ("estimated_completion_tokens: null", "required: planned output tokens"),
        ("estimation_method: MANUAL", "HISTORICAL | HEURISTIC | MANUAL"),
        ("estimation_owner: null", 'required: who estimated, e.g. "@handle" or a team'),
        (f"estimation_timestamp: {yaml_scalar(now_iso)}", "ISO 8601 with timezone"),
    ]


def _usage_fields(ref: SliceRef, run_id: str | None) -> list[Field]:
    run = ("run_id: null", "required: the run's Agent-Run: trailer value")
    if run_id is not None:
        run = (f"run_id: {yaml_scalar(run_id)}", "")
    return [
        run,
        (f"plan_id: {yaml_scalar(ref.plan_id)}", ""),
        (f"slice_id: {yaml_scalar(ref.slice_id)}", ""),
        ("agent_id: null", 'required: the agent, e.g. "claude-code"'),
        ("actual_requests: null", "required: model requests the run made"),
        ("actual_prompt_tokens: null", "required: input tokens, cache reads/writes included"),
        ("actual_completion_tokens: null", "required: output tokens, reasoning included"),
        ("actual_total_tokens: null", "required: prompt + completion"),
        ("duration_seconds: null", "required: wall-clock seconds"),
        ("status: null", "required: PASS | FAIL | BLOCKED"),
        ("report_timestamp: null", 'required: ISO 8601 with timezone, "2025-01-31T12:00:00Z"'),
    ]


def _lines(fields: list[Field], indent: str = "", first: str = "") -> list[str]:
    width = max(len(text) for text, comment in fields if comment)
    out: list[str] = []
    for index, (text, comment) in enumerate(fields):
        lead = first if index == 0 else indent
        line = f"{lead}{text.ljust(width)}  # {comment}" if comment else f"{lead}{text}"
        out.append(line.rstrip())
    return out


def _estimate_header(refs: Sequence[SliceRef]) -> str:
    names = ", ".join(plain(ref) for ref in refs[:3])
    if len(refs) > 3:
        names += f" and {len(refs) - 3} more"
    return (
        f"# Estimation for {names}: replace every null.\n"
        "# `budget-gate estimate` can fill in a HEURISTIC or HISTORICAL estimate instead.\n"
    )


def estimate_stub(ref: SliceRef, *, now_iso: str) -> str:
    """One estimation record for `ref`, stamped `now_iso` (the report's time, not the clock)."""
    return _estimate_header([ref]) + "\n".join(_lines(_estimate_fields(ref, now_iso))) + "\n"


def estimates_stub(refs: Sequence[SliceRef], *, now_iso: str) -> str:
    """Several estimation records as one file (`estimates:` list), for slices of one plan."""
    if len(refs) == 1:
        return estimate_stub(refs[0], now_iso=now_iso)
    lines = ["estimates:"]
    for ref in refs:
        lines.extend(_lines(_estimate_fields(ref, now_iso), indent="    ", first="  - "))
    return _estimate_header(refs) + "\n".join(lines) + "\n"


def usage_report_stub(ref: SliceRef, *, run_id: str | None) -> str:
    """One usage report for a run of `ref`; `run_id` None leaves the ID for the author."""
    header = (
        f"# Usage report for {plain(ref)}: one record per agent run; replace every null.\n"
        "# `budget-gate import` builds it from the agent's own usage output "
        "(Claude Code, Codex, OpenAI/Anthropic usage).\n"
    )
    return header + "\n".join(_lines(_usage_fields(ref, run_id))) + "\n"
