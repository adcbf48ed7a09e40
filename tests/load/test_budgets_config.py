"""The phase budget file and a user's `phase_budgets:` overrides: validated like every artifact,
each problem a finding at `path:line` naming the field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from budget_gate.cli import main
from budget_gate.load.phase_budgets import (
    SHIPPED_PATH,
    effective_phase_budgets,
    load_phase_budgets,
)
from budget_gate.load.records import load_config
from budget_gate.load.resources import config_dir
from budget_gate.models.common import Complexity, Importance, Phase
from budget_gate.models.config import GateConfig
from budget_gate.models.findings import Finding, Severity

SHIPPED_TEXT = (config_dir() / "phase_budgets.yaml").read_text(encoding="utf-8")
CONFIG = ".github/plan-budget-gate.yml"


def line_of(text: str, needle: str) -> int:
    """1-based line of the first non-comment line containing `needle` (no line constants)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line and not line.lstrip().startswith("#"):
            return number
    raise AssertionError(f"{needle!r} not in the text")


def edited(old: str, new: str) -> str:
    assert SHIPPED_TEXT.count(old) == 1, old
    return SHIPPED_TEXT.replace(old, new)


def errors(findings: list[Finding]) -> list[Finding]:
    return [item for item in findings if item.severity is Severity.ERROR]


def test_the_shipped_file_is_valid_and_says_what_the_design_says() -> None:
    config, findings = load_phase_budgets(SHIPPED_PATH, SHIPPED_TEXT.encode())
    assert findings == []
    assert config is not None
    assert set(config.base) == set(Phase) == set(config.weights)
    assert config.complexity == {
        Complexity.TINY: 0.5,
        Complexity.SMALL: 0.8,
        Complexity.MEDIUM: 1.0,
        Complexity.LARGE: 1.5,
    }
    assert config.importance[Importance.LOW] == 0.7
    assert config.importance[Importance.CRITICAL] == 2.0
    assert (config.base[Phase.THINK].tokens, config.weights[Phase.THINK]) == (4000, 1.5)
    assert (config.base[Phase.PR].tokens, config.weights[Phase.PR]) == (1500, 0.6)
    assert (config.bands.within, config.bands.warning) == (1.0, 1.5)
    stop = config.stop_loss
    assert (stop.enabled, stop.cumulative, stop.per_phase, stop.allow_completion_threshold) == (
        True,
        1.2,
        1.5,
        0.1,
    )


@pytest.mark.parametrize(
    ("old", "new", "at", "field", "message"),
    [
        (
            "  MONITOR: {tokens: 1000, latency_ms: 20000, requests: 1}\n",
            "",
            "base:",
            "base",
            "base is missing MONITOR",
        ),
        ("  PR: 0.6\n", "", "weights:", "weights", "weights is missing PR"),
        ("  Tiny: 0.5\n", "", "complexity:", "complexity", "complexity is missing Tiny"),
        ("  Large: 1.5", "  Large: 11", "Large: 11", "complexity.Large", "must be a number ≤ 10"),
        ("  low: 0.7", "  low: 0", "low: 0", "importance.low", "must be a number > 0, got 0"),
        ("  THINK: 1.5", "  THINK: -1", "THINK: -1", "weights.THINK", "must be a number > 0"),
        (
            "  within: 1.0\n  warning: 1.5",
            "  within: 1.5\n  warning: 1.5",
            "bands:",
            "bands",
            "bands must be ordered: within (1.5) must be below warning (1.5)",
        ),
        (
            "  enabled: true",
            "  enabled: maybe",
            "enabled: maybe",
            "stop_loss.enabled",
            "must be true or false, got 'maybe'",
        ),
        (
            "  THINK: {tokens: 4000,",
            "  THINK: {tokens: 0,",
            "THINK: {tokens: 0",
            "base.THINK.tokens",
            "must be a whole number > 0, got 0",
        ),
    ],
)
def test_each_problem_in_the_file_is_a_finding_at_its_line(
    old: str, new: str, at: str, field: str, message: str
) -> None:
    text = edited(old, new)
    config, findings = load_phase_budgets("budgets.yaml", text.encode())
    assert config is None
    [problem] = errors(findings)
    assert (problem.path, problem.line, problem.field) == ("budgets.yaml", line_of(text, at), field)
    assert message in problem.message
    assert problem.fix


def test_a_typo_is_a_warning_with_a_suggestion_and_does_not_reject_the_file() -> None:
    text = SHIPPED_TEXT + "weigths: {}\n"
    config, findings = load_phase_budgets("budgets.yaml", text.encode())
    assert config is not None
    [warning] = findings
    assert warning.severity is Severity.WARNING
    assert "did you mean weights?" in warning.message
    assert warning.line == line_of(text, "weigths")


def test_a_file_that_is_not_a_mapping_is_one_clear_finding() -> None:
    config, findings = load_phase_budgets("budgets.yaml", b"- 1\n- 2\n")
    assert config is None
    [problem] = findings
    assert problem.line == 1
    assert "expected the phase budgets as a mapping" in problem.message


# --- overrides in the user's config ---------------------------------------------------------


def test_overrides_replace_only_the_values_given() -> None:
    text = "phase_budgets:\n  complexity: {Large: 1.8}\n  stop_loss: {enabled: false}\n"
    config, findings = load_config(CONFIG, text.encode(), max_aliases=100)
    assert findings == []
    assert config is not None
    budgets = effective_phase_budgets(config.phase_budgets)
    assert budgets.complexity[Complexity.LARGE] == 1.8
    assert budgets.complexity[Complexity.SMALL] == 0.8
    assert budgets.stop_loss.enabled is False
    assert budgets.stop_loss.cumulative == 1.2
    assert budgets.base[Phase.THINK].tokens == 4000


def test_an_override_out_of_range_is_an_error_at_its_line() -> None:
    text = "version: 1\nphase_budgets:\n  importance:\n    high: 12.5\n"
    config, findings = load_config(CONFIG, text.encode(), max_aliases=100)
    assert config is None
    [problem] = errors(findings)
    assert (problem.path, problem.line, problem.field) == (
        CONFIG,
        4,
        "phase_budgets.importance.high",
    )
    assert "must be a number ≤ 10, got 12.5" in problem.message


def test_an_override_that_only_conflicts_with_the_shipped_value_is_reported_where_written() -> None:
    # warning 0.9 is fine on its own, but below the shipped `within: 1.0`.
    text = "version: 1\nmode: enforce\nphase_budgets:\n  bands:\n    warning: 0.9\n"
    config, findings = load_config(CONFIG, text.encode(), max_aliases=100)
    assert config is None
    [problem] = errors(findings)
    assert (problem.path, problem.line) == (CONFIG, 4)
    assert "within (1.0) must be below warning (0.9)" in problem.message


def test_a_bad_phase_budget_config_stops_the_check_with_exit_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / CONFIG).write_text("phase_budgets:\n  weights:\n    THINK: 0\n")
    assert main(["check", "--repo", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"config {CONFIG}:3: phase_budgets.weights.THINK must be a number > 0" in err


def test_the_config_schema_documents_phase_budgets() -> None:
    schema = GateConfig.model_json_schema()
    assert "phase_budgets" in schema["properties"]
