"""`budget-gate schema` and `budget-gate init`, run as a user would (in-process `main`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from budget_gate.cli import main
from budget_gate.load.records import ArtifactKind, load_artifact


def test_schema_to_stdout_covers_every_file_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schemas = json.loads(capsys.readouterr().out)
    assert set(schemas) == {
        "plan.schema.json",
        "estimation.schema.json",
        "usage-report.schema.json",
        "variance-summary.schema.json",
        "config.schema.json",
    }
    usage = schemas["usage-report.schema.json"]["$defs"]["UsageReport"]
    assert "actual_total_tokens" in usage["required"]
    # IDs are strings with a pattern, so editors flag `plan_id: 12` the way the gate does.
    assert usage["properties"]["plan_id"]["type"] == "string"


def test_schema_to_directory_writes_one_file_each(tmp_path: Path) -> None:
    assert main(["schema", "--output", str(tmp_path / "schemas")]) == 0
    written = sorted(path.name for path in (tmp_path / "schemas").iterdir())
    assert written == [
        "config.schema.json",
        "estimation.schema.json",
        "plan.schema.json",
        "usage-report.schema.json",
        "variance-summary.schema.json",
    ]
    config_schema = json.loads((tmp_path / "schemas" / "config.schema.json").read_text())
    assert config_schema["$schema"].startswith("https://json-schema.org/")


def test_init_writes_a_valid_config_and_plan_then_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--repo", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "wrote .github/plan-budget-gate.yml",
        "wrote plans/EXAMPLE-01/plan.md",
    ]
    plan_bytes = (tmp_path / "plans/EXAMPLE-01/plan.md").read_bytes()
    loaded = load_artifact(
        "plans/EXAMPLE-01/plan.md", plan_bytes, ArtifactKind.PLAN, max_aliases=10
    )
    assert loaded.findings == []
    assert [plan.record.plan_id for plan in loaded.plans] == ["EXAMPLE-01"]

    (tmp_path / ".github/plan-budget-gate.yml").write_text("mode: observe\n")
    assert main(["init", "--repo", str(tmp_path)]) == 0
    assert "kept .github/plan-budget-gate.yml" in capsys.readouterr().out
    assert (tmp_path / ".github/plan-budget-gate.yml").read_text() == "mode: observe\n"


def test_init_config_is_accepted_by_check(tmp_path: Path) -> None:
    assert main(["init", "--repo", str(tmp_path)]) == 0
    # The example plan is a draft: nothing is required yet, so the gate passes.
    assert main(["check", "--repo", str(tmp_path)]) == 0


def test_bad_usage_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check", "--format", "yaml"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("budget-gate: error:") and err.count("\n") == 1
