"""Sorting and grouping a report once, before any detail level is chosen.

`build_view` then only slices these tuples, so trying several detail levels stays cheap even for
thousands of slices and findings.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from budget_gate.judge.report import BreachLevel, Report, SliceResult
from budget_gate.models.common import SliceRef
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.render.phases import with_phase_data

BREACH_RANK = {BreachLevel.NONE: 0, BreachLevel.WARNING: 1, BreachLevel.BREACH: 2}


@dataclass(frozen=True, slots=True)
class StubSpec:
    """One ready-to-paste stub to show: an estimates file for a plan, or one usage report."""

    kind: FindingCode
    refs: tuple[SliceRef, ...]
    plan_dir: str | None


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything sorted and grouped once, independent of the detail level."""

    report: Report
    attention: tuple[tuple[SliceResult, int, int], ...]
    passing: tuple[SliceResult, ...]
    groups: tuple[tuple[FindingCode, Severity, tuple[Finding, ...]], ...]
    stubs: tuple[StubSpec, ...]
    severity_counts: Counter[Severity]
    phase_results: tuple[SliceResult, ...] = ()
    """Slices with a phase budget table, worst first."""
    codes_by_slice: dict[SliceRef, frozenset[FindingCode]] = field(default_factory=dict)
    """The finding codes each slice has (the table marks a stop-loss or a latency breach)."""


def prepare(report: Report) -> Prepared:
    """Slices split into those needing attention (worst first) and passing ones; findings
    grouped by code, worst code first; one stub per plan missing estimates or slice missing a
    usage report."""
    by_slice: dict[tuple[str | None, str | None], Counter[Severity]] = defaultdict(Counter)
    codes: dict[SliceRef, set[FindingCode]] = defaultdict(set)
    for finding in report.findings:
        by_slice[(finding.plan_id, finding.slice_id)][finding.severity] += 1
        if finding.plan_id is not None and finding.slice_id is not None:
            codes[SliceRef(plan_id=finding.plan_id, slice_id=finding.slice_id)].add(finding.code)
    attention: list[tuple[SliceResult, int, int]] = []
    passing: list[SliceResult] = []
    for result in sorted(report.slices, key=lambda item: item.ref):
        seen = by_slice.get((result.ref.plan_id, result.ref.slice_id), Counter())
        errors, warnings = seen[Severity.ERROR], seen[Severity.WARNING]
        if errors or warnings or result.variance.breach is not BreachLevel.NONE:
            attention.append((result, errors, warnings))
        else:
            passing.append(result)
    attention.sort(key=lambda row: (-min(row[1], 1), -BREACH_RANK[row[0].variance.breach]))
    return Prepared(
        report=report,
        attention=tuple(attention),
        passing=tuple(passing),
        groups=_group_findings(report.findings),
        stubs=_stub_specs(report),
        severity_counts=Counter(finding.severity for finding in report.findings),
        phase_results=with_phase_data(report.slices),
        codes_by_slice={ref: frozenset(found) for ref, found in codes.items()},
    )


def _group_findings(
    findings: tuple[Finding, ...],
) -> tuple[tuple[FindingCode, Severity, tuple[Finding, ...]], ...]:
    grouped: dict[FindingCode, list[Finding]] = defaultdict(list)
    for finding in sorted(findings, key=lambda item: (*item.sort_key(), item.message)):
        grouped[finding.code].append(finding)
    groups = [
        (code, max((item.severity for item in items), key=lambda sev: sev.rank), tuple(items))
        for code, items in grouped.items()
    ]
    groups.sort(key=lambda group: (-group[1].rank, group[0].value))
    return tuple(groups)


def _stub_specs(report: Report) -> tuple[StubSpec, ...]:
    plan_dirs = {
        result.ref.plan_id: posixpath.dirname(result.plan_path) or None for result in report.slices
    }
    estimates: dict[str, list[SliceRef]] = defaultdict(list)
    usage: list[SliceRef] = []
    for finding in sorted(report.findings, key=lambda item: (*item.sort_key(), item.message)):
        if finding.plan_id is None or finding.slice_id is None:
            continue
        ref = SliceRef(plan_id=finding.plan_id, slice_id=finding.slice_id)
        if finding.code is FindingCode.MISSING_ESTIMATE and ref not in estimates[ref.plan_id]:
            estimates[ref.plan_id].append(ref)
        elif finding.code is FindingCode.MISSING_USAGE_REPORT and ref not in usage:
            usage.append(ref)
    specs = [
        StubSpec(FindingCode.MISSING_ESTIMATE, tuple(sorted(refs)), plan_dirs.get(plan_id))
        for plan_id, refs in sorted(estimates.items())
        if refs
    ]
    specs.extend(
        StubSpec(FindingCode.MISSING_USAGE_REPORT, (ref,), plan_dirs.get(ref.plan_id))
        for ref in sorted(usage)
    )
    return tuple(specs)


def allot(sizes: list[int], total: int | None, per_group: int | None) -> list[int]:
    """How many items each group shows: fair shares of `total`, worst groups first, each at most
    `per_group`, so one noisy code cannot crowd out the others."""
    caps = [size if per_group is None else min(size, per_group) for size in sizes]
    if total is None or sum(caps) <= total:
        return caps
    shown = [0] * len(caps)
    left = total
    while left > 0:
        open_groups = [index for index, cap in enumerate(caps) if shown[index] < cap]
        if not open_groups:
            break
        share = max(1, left // len(open_groups))
        for index in open_groups:
            take = min(share, caps[index] - shown[index], left)
            shown[index] += take
            left -= take
            if left == 0:
                break
    return shown
