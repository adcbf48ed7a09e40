"""The pre-commit hook as a user meets it: `pre-commit try-repo` on a scratch repository.

Each try-repo installs the hook's Python environment from this repository (its working tree,
via try-repo's shadow commit) in a store of its own. The dependencies are fetched once per
module into a wheelhouse with the machine's pip configuration, and every install reads only
that (offline, and seconds instead of a resolve against the index each time).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from gitrepo import GitRepoBuilder, isolated_git_env

ROOT = Path(__file__).resolve().parents[2]
PLAN = """\
plan_id: PAY-1
title: Payments
status: approved
complexity: Small
importance: medium
slices:
  - slice_id: S1
"""
MISSING = "plans/PAY-1/plan.yaml:7: error missing-estimate: PAY-1/S1"


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's dependencies and its build backend as wheels, for offline installs."""
    house = tmp_path_factory.mktemp("wheelhouse")
    pip = [sys.executable, "-m", "pip", "--quiet"]
    build = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["build-system"]
    subprocess.run([*pip, "wheel", "--wheel-dir", str(house), str(ROOT)], check=True)
    subprocess.run([*pip, "download", "--dest", str(house), *build["requires"]], check=True)
    return house


def estimate(repo: GitRepoBuilder) -> None:
    """What the fix in the report says: `budget-gate estimate` writes the record."""
    budget_gate = Path(sys.executable).parent / "budget-gate"
    subprocess.run(
        [
            str(budget_gate),
            "estimate",
            "--repo",
            str(repo.root),
            "--plan",
            "PAY-1",
            "--slice",
            "S1",
            "--owner",
            "Ana Planner",
        ],
        check=True,
        capture_output=True,
        env=isolated_git_env(),
    )


def pushed(tmp_path: Path, files: dict[str, str]) -> GitRepoBuilder:
    """A repository whose first commit (`files`) is pushed to a bare origin it tracks."""
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    repo = GitRepoBuilder.create(tmp_path / "repo")
    repo.write_many(files)
    repo.commit("Start")
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "-u", "origin", "main")
    return repo


def try_repo(repo: GitRepoBuilder, wheelhouse: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **isolated_git_env(),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PRE_COMMIT_COLOR": "never",
        "GIT_AUTHOR_NAME": "Dana",
        "GIT_AUTHOR_EMAIL": "dana@example.com",
        "GIT_COMMITTER_NAME": "Dana",
        "GIT_COMMITTER_EMAIL": "dana@example.com",
    }
    env.pop("BUDGET_GATE_DEBUG", None)
    pre_commit = Path(sys.executable).parent / "pre-commit"
    return subprocess.run(
        [str(pre_commit), "try-repo", str(ROOT), "budget-gate"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_hook_definition_is_what_the_readme_promises() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))

    assert (hook["id"], hook["language"], hook["pass_filenames"]) == (
        "budget-gate",
        "python",
        False,
    )
    assert hook["always_run"] is True
    assert "budget-gate check" in hook["entry"]
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "    hooks:\n      - id: budget-gate\n" in readme


@pytest.mark.e2e
def test_the_staged_change_fails_without_its_estimate_and_passes_with_it(
    tmp_path: Path, wheelhouse: Path
) -> None:
    repo = GitRepoBuilder.create(tmp_path / "repo")
    repo.write("README.md", "# payments\n")
    repo.commit("Start")
    repo.write("plans/PAY-1/plan.yaml", PLAN)
    repo.stage()

    failing = try_repo(repo, wheelhouse)

    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "Plan Budget Gate" in failing.stdout and "Failed" in failing.stdout
    assert MISSING in failing.stdout

    estimate(repo)
    repo.stage()

    passing = try_repo(repo, wheelhouse)

    assert passing.returncode == 0, passing.stdout + passing.stderr
    hook_lines = [line for line in passing.stdout.splitlines() if "Plan Budget Gate" in line]
    assert len(hook_lines) == 1 and hook_lines[0].endswith("Passed")
    assert "Slices in scope" not in passing.stdout  # quiet on success


@pytest.mark.e2e
def test_unpushed_commits_are_judged_against_the_upstream(tmp_path: Path, wheelhouse: Path) -> None:
    """Pushed work without an estimate does not block other work; unpushed work on it does."""
    repo = pushed(tmp_path, {"plans/PAY-1/plan.yaml": PLAN})  # the estimate is still to come
    repo.write("docs/notes.md", "unrelated\n")
    repo.commit("Notes")

    unrelated = try_repo(repo, wheelhouse)

    assert unrelated.returncode == 0, unrelated.stdout + unrelated.stderr
    assert "missing-estimate" not in unrelated.stdout

    repo.write("plans/PAY-1/plan.yaml", PLAN.replace("title: Payments", "title: Refunds"))
    repo.commit("Rename PAY-1")  # committed, not pushed: nothing is staged

    touched = try_repo(repo, wheelhouse)

    assert touched.returncode == 1, touched.stdout + touched.stderr
    assert MISSING in touched.stdout
