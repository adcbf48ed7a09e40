"""Config severities, observe mode and the waiver label, applied after the rules.

Rules emit findings at their default severity; this is the one place that decides what fails
the check, so the verdict cannot disagree with the severities shown in the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from budget_gate.judge.report import Verdict
from budget_gate.models.config import GateConfig, Mode
from budget_gate.models.findings import Finding, Severity


def apply_policy(
    findings: Iterable[Finding], *, config: GateConfig, waived: bool
) -> tuple[list[Finding], Verdict]:
    """Adjust severities and decide the verdict: FAIL exactly when an error remains.

    Order: `severities` from the config replace a code's default; then observe mode or a waiver
    turns any error into a warning (nothing is dropped, so the report still shows everything;
    the caller shows the waiver). Findings come back worst first.
    """
    downgrade = config.mode is Mode.OBSERVE or waived
    adjusted: list[Finding] = []
    for finding in findings:
        severity = config.severities.get(finding.code, finding.severity)
        if downgrade and severity is Severity.ERROR:
            severity = Severity.WARNING
        adjusted.append(
            finding if severity is finding.severity else replace(finding, severity=severity)
        )
    adjusted.sort(key=Finding.sort_key)
    failed = any(finding.severity is Severity.ERROR for finding in adjusted)
    return adjusted, Verdict.FAIL if failed else Verdict.PASS
