"""Every shell example in the docs runs, so no example goes stale.

Each ```sh block in README.md and docs/*.md carries a marker on the line before it:

- `<!-- test: exit 0, 1 -->`: run the block's commands in order (a line ending in `\\` continues
  on the next), one exit status per command, in a fresh repository built from examples/demo;
- `<!-- test-each: exit 0, 1 -->`: the block lists alternatives; each command runs in a fresh
  repository of its own;
- `<!-- not tested: why -->`: the block cannot run here (it calls an agent, `make`, the network).

The repository: the demo committed on `main`, tagged `v0.1.0`, with `origin/main` pointing at it
and `user.name` set,
and two agents' real output files beside it (`run.json` from Claude Code, `run.jsonl` from Codex),
untracked. A block without a marker fails the test: decide, and say so in the page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitrepo import GitRepoBuilder, isolated_git_env
from locations import AGENT_FIXTURES, ROOT

pytestmark = pytest.mark.e2e

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DEMO = ROOT / "examples" / "demo"
AGENTS = AGENT_FIXTURES
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARKER = re.compile(r"<!-- (test(-each)?: exit ([0-9, ]+)|not tested: [^>]+) -->\s*$")
# The README's "Two commands" (make demo / make test) is run by CI itself (`.ci/run`).
EXEMPT_SECTION = "## Two commands"


@dataclass(frozen=True, slots=True)
class Example:
    page: str
    line: int
    commands: tuple[str, ...]
    statuses: tuple[int, ...] | None  # None: marked not tested
    each: bool = False  # every command in a repository of its own

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def _commands(body: str) -> tuple[str, ...]:
    joined = re.sub(r"\s*\\\n\s*", " ", body)
    lines = (line.strip() for line in joined.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def examples() -> list[Example]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        name = str(page.relative_to(ROOT))
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            section = text[: match.start()].rsplit("\n## ", 1)[-1]
            if page.name == "README.md" and ("## " + section).startswith(EXEMPT_SECTION):
                continue
            marker = MARKER.search(before)
            statuses = None
            if marker is None:
                statuses = ()  # unmarked: reported by the test below
            elif marker.group(3) is not None:
                statuses = tuple(int(s) for s in marker.group(3).replace(",", " ").split())
            each = marker is not None and marker.group(2) is not None
            found.append(Example(name, line, _commands(match.group(1)), statuses, each))
    return found


EXAMPLES = examples()
RUNNABLE = [example for example in EXAMPLES if example.statuses]


def test_every_shell_block_is_marked_run_or_not() -> None:
    unmarked = [example.id for example in EXAMPLES if example.statuses == ()]
    assert unmarked == [], "mark these blocks <!-- test: exit N --> or <!-- not tested: why -->"
    assert len(RUNNABLE) >= 10  # the docs show commands, and they are run


@pytest.mark.parametrize("example", RUNNABLE, ids=lambda example: example.id)
def test_the_documented_commands_exit_as_documented(example: Example, tmp_path: Path) -> None:
    assert example.statuses is not None
    assert len(example.statuses) == len(example.commands), (
        f"{example.id}: {len(example.commands)} commands, {len(example.statuses)} statuses"
    )
    env = _environment(tmp_path)
    repo = _demo_repository(tmp_path / "repo")
    for number, (command, expected) in enumerate(
        zip(example.commands, example.statuses, strict=True)
    ):
        if example.each and number:
            repo = _demo_repository(tmp_path / f"repo{number}")
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=repo.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == expected, (
            f"{example.id}: `{command}` exited {result.returncode}, the docs say {expected}\n"
            f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}"
        )
        assert "Traceback" not in result.stderr, f"{example.id}: `{command}`\n{result.stderr}"


def _demo_repository(root: Path) -> GitRepoBuilder:
    repo = GitRepoBuilder.create(root)
    shutil.copytree(DEMO, root, dirs_exist_ok=True)
    repo.stage(".")
    repo.commit("The demo repository")
    repo.tag("v0.1.0")
    repo.git("update-ref", "refs/remotes/origin/main", "main")
    repo.git("config", "user.name", "Maria Planner")
    shutil.copy(AGENTS / "claude-code-result.json", root / "run.json")
    shutil.copy(AGENTS / "codex-exec.jsonl", root / "run.jsonl")
    return repo


def _environment(tmp_path: Path) -> dict[str, str]:
    env = isolated_git_env()
    env.pop("BUDGET_GATE_DEBUG", None)
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "HOME": str(tmp_path),
            "GIT_AUTHOR_NAME": "Maria Planner",
            "GIT_AUTHOR_EMAIL": "maria@example.com",
            "GIT_COMMITTER_NAME": "Maria Planner",
            "GIT_COMMITTER_EMAIL": "maria@example.com",
        }
    )
    return env


def test_the_extractor_reads_markers_and_continuations() -> None:
    assert _commands("# a comment\nbudget-gate check \\\n    --base main\n\nls\n") == (
        "budget-gate check --base main",
        "ls",
    )
    assert MARKER.search("<!-- test: exit 0, 1 -->").group(3) == "0, 1"  # type: ignore[union-attr]
    assert MARKER.search("<!-- test-each: exit 2 -->").group(2) == "-each"  # type: ignore[union-attr]
    assert MARKER.search("<!-- not tested: calls claude -->") is not None
