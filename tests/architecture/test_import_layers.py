"""The package layers are enforced by import-linter (`make lint`), not by review.

A copy of the source with one import that crosses a layer must fail `lint-imports`, naming the
contract and the offending import; the source as it is must pass. Both run the same
`[tool.importlinter]` contracts from pyproject.toml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from locations import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is in the dev extra (make test installs it)"
)


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _copy_of_the_source(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    anchor = "from __future__ import annotations\n"
    assert anchor in text
    module.write_text(text.replace(anchor, f"{anchor}\n{line}\n", 1), encoding="utf-8")


def test_the_source_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(_copy_of_the_source(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_pure_core_importing_github_breaks_the_build(tmp_path: Path) -> None:
    tree = _copy_of_the_source(tmp_path)
    _add_import(tree / "src/budget_gate/judge/rules.py", "import budget_gate.github.client")

    result = _lint(tree)

    assert result.returncode == 1
    assert "The pure core (models, scope, cost, judge, render) imports no shell package BROKEN" in (
        result.stdout
    )
    assert "budget_gate.judge.rules -> budget_gate.github.client" in result.stdout


def test_a_lower_layer_importing_a_higher_one_breaks_the_layers(tmp_path: Path) -> None:
    tree = _copy_of_the_source(tmp_path)
    _add_import(tree / "src/budget_gate/git/tags.py", "import budget_gate.action.runtime")

    result = _lint(tree)

    assert result.returncode == 1
    assert "Layers: entry points over features over the shell over the pure core BROKEN" in (
        result.stdout
    )
    assert "budget_gate.git.tags -> budget_gate.action.runtime" in result.stdout
