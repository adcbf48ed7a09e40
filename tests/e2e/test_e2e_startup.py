"""A command imports only what it uses (issue 16): which heavy modules are *not* loaded after
`--version`, `--help` and `check --format json`, read from `sys.modules` of a real CLI process.

Deterministic on purpose: start-up time is measured by `make bench`, not asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from budget_gate.cli import COMMANDS
from e2e_artifacts import estimate, usage

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
PROBE = """\
import json, sys
from budget_gate.cli import main
try:
    status = main(sys.argv[2:])
except SystemExit as stop:
    status = stop.code
with open(sys.argv[1], "w") as out:
    json.dump({"status": status, "modules": sorted(sys.modules)}, out)
"""
PUBLISHING = ("github", "requests", "urllib3", "jwt", "nacl")
TELEMETRY = ("opentelemetry", "google.protobuf")
PRICES = ("genai_prices", "httpx2")
JINJA = ("jinja2", "budget_gate.render.environment", "budget_gate.render.markdown")
VALIDATION = ("pydantic", "pydantic_core", "yaml", "orjson", "budget_gate.models")


def loaded_after(tmp_path: Path, *args: str | Path) -> tuple[int, list[str]]:
    out = tmp_path / "probe.json"
    subprocess.run(
        [sys.executable, "-c", PROBE, out, *args],
        capture_output=True,
        check=False,
        timeout=120,
    )
    result = json.loads(out.read_text())
    return result["status"], result["modules"]


def among(modules: list[str], packages: tuple[str, ...]) -> list[str]:
    """The modules that are one of `packages` or inside one."""
    return [
        name
        for name in modules
        if any(name == package or name.startswith(f"{package}.") for package in packages)
    ]


def other_commands(keep: str) -> tuple[str, ...]:
    return tuple(
        f"budget_gate.commands.{module}" for name, (module, _) in COMMANDS.items() if name != keep
    )


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_no_command_and_no_model(tmp_path: Path, flag: str) -> None:
    status, modules = loaded_after(tmp_path, flag)
    assert status == 0
    heavy = (*VALIDATION, *PUBLISHING, *TELEMETRY, *PRICES, *JINJA, *other_commands(""))
    assert among(modules, heavy) == []


def small_repository(root: Path) -> Path:
    """One plan, its estimate and a report, with no model: nothing to price."""
    (root / "plans/A/usage").mkdir(parents=True)
    (root / "plans/A/plan.yaml").write_text(
        "plan_id: A\nstatus: in-progress\nslices:\n  - slice_id: S1\n    paths: [src/**]\n"
    )
    (root / "plans/A/estimation.yaml").write_text(
        estimate("A", "S1", requests=4, prompt=1000, completion=200)
    )
    (root / "plans/A/usage/r1.yaml").write_text(
        usage("r1", "A", "S1", requests=4, prompt=1100, completion=150)
    )
    return root


def test_check_json_without_costs_imports_no_publishing_telemetry_prices_or_jinja(
    tmp_path: Path,
) -> None:
    repo = small_repository(tmp_path / "repo")
    status, modules = loaded_after(tmp_path, "check", "--repo", repo, "--format", "json")
    assert status == 0
    assert "budget_gate.commands.check" in modules  # the probe did run the check
    heavy = (*PUBLISHING, *TELEMETRY, *PRICES, *JINJA, *other_commands("check"))
    assert among(modules, heavy) == []


def test_check_json_with_costs_loads_prices_but_no_publishing_telemetry_or_jinja(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    status, modules = loaded_after(
        tmp_path, "check", "--repo", DEMO, "--format", "json", "--cache-dir", cache
    )
    assert status == 1  # the demo fails its gate on purpose
    assert "genai_prices" in modules  # the demo's reports name models: costs are computed
    assert among(modules, (*PUBLISHING, *TELEMETRY, *JINJA)) == []


def test_a_check_whose_prices_are_remembered_imports_no_price_data(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    command = ("check", "--repo", DEMO, "--format", "json", "--cache-dir", cache)
    loaded_after(tmp_path, *command, "--output", tmp_path / "cold.json")
    status, modules = loaded_after(tmp_path, *command, "--output", tmp_path / "warm.json")
    assert status == 1
    assert among(modules, (*PRICES, *PUBLISHING, *TELEMETRY, *JINJA)) == []
    cold, warm = (json.loads((tmp_path / name).read_text()) for name in ("cold.json", "warm.json"))
    assert cold["totals"]["cost"]["actual_usd"] is not None  # the demo's costs were computed
    assert {**warm, "generated_at": None} == {**cold, "generated_at": None}


def test_check_markdown_is_what_loads_jinja(tmp_path: Path) -> None:
    repo = small_repository(tmp_path / "repo")
    status, modules = loaded_after(tmp_path, "check", "--repo", repo, "--format", "markdown")
    assert status == 0
    assert "jinja2" in modules
    assert among(modules, (*PUBLISHING, *TELEMETRY)) == []
