"""Severity overrides, observe mode, the waiver label, and the verdict they produce."""

from __future__ import annotations

from budget_gate.judge.policy import apply_policy
from budget_gate.judge.report import Verdict
from budget_gate.models.config import GateConfig, Mode
from budget_gate.models.findings import Finding, FindingCode, Severity

MISSING = Finding.of(FindingCode.MISSING_ESTIMATE, "P1/S1 has no estimate.", path="plans/a.md")
UNTRACKED = Finding.of(FindingCode.UNTRACKED_AGENT_COMMIT, "Agent commit c0ffee1 ...")
BREACH = Finding.of(FindingCode.VARIANCE_BREACH, "P1/S1 spent ...", path="plans/b.yaml", line=4)


def severities(findings: list[Finding]) -> dict[FindingCode, Severity]:
    return {finding.code: finding.severity for finding in findings}


def test_defaults_fail_on_an_error_and_sort_worst_first() -> None:
    findings, verdict = apply_policy(
        [UNTRACKED, BREACH, MISSING], config=GateConfig(), waived=False
    )
    assert verdict is Verdict.FAIL
    assert [finding.code for finding in findings] == [
        FindingCode.MISSING_ESTIMATE,  # error
        FindingCode.VARIANCE_BREACH,  # warning with a path
        FindingCode.UNTRACKED_AGENT_COMMIT,  # warning without a path sorts last
    ]


def test_warnings_and_notices_alone_pass() -> None:
    assert apply_policy([UNTRACKED, BREACH], config=GateConfig(), waived=False)[1] is Verdict.PASS
    assert apply_policy([], config=GateConfig(), waived=False) == ([], Verdict.PASS)


def test_config_severities_override_defaults_both_ways() -> None:
    config = GateConfig(
        severities={
            FindingCode.VARIANCE_BREACH: Severity.ERROR,
            FindingCode.MISSING_ESTIMATE: Severity.NOTICE,
        }
    )
    findings, verdict = apply_policy([MISSING, BREACH], config=config, waived=False)
    assert severities(findings) == {
        FindingCode.VARIANCE_BREACH: Severity.ERROR,
        FindingCode.MISSING_ESTIMATE: Severity.NOTICE,
    }
    assert verdict is Verdict.FAIL  # the breach, promoted to error


def test_observe_mode_turns_every_error_into_a_warning() -> None:
    config = GateConfig(mode=Mode.OBSERVE, severities={FindingCode.VARIANCE_BREACH: Severity.ERROR})
    findings, verdict = apply_policy([MISSING, BREACH, UNTRACKED], config=config, waived=False)
    assert set(severities(findings).values()) == {Severity.WARNING}
    assert len(findings) == 3  # nothing is dropped
    assert verdict is Verdict.PASS


def test_waiver_downgrades_errors_but_keeps_notices_and_messages() -> None:
    config = GateConfig(severities={FindingCode.UNTRACKED_AGENT_COMMIT: Severity.NOTICE})
    findings, verdict = apply_policy([MISSING, UNTRACKED], config=config, waived=True)
    assert severities(findings) == {
        FindingCode.MISSING_ESTIMATE: Severity.WARNING,
        FindingCode.UNTRACKED_AGENT_COMMIT: Severity.NOTICE,
    }
    assert findings[0].message == MISSING.message
    assert verdict is Verdict.PASS


def test_input_findings_are_not_changed() -> None:
    apply_policy([MISSING], config=GateConfig(mode=Mode.OBSERVE), waived=True)
    assert MISSING.severity is Severity.ERROR
