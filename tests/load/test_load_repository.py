"""What a pull request reads: every plan, its own records and shared files, never other plans'
usage reports; and exactly what a full listing would have given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from budget_gate.git.repo import GitRepo
from budget_gate.git.tree import GitTreeSource
from budget_gate.load.glob_walk import EnterRule, GlobWalk
from budget_gate.load.repository import load_artifacts
from budget_gate.load.source import FileSource, ReadResult
from budget_gate.load.worktree import WorktreeSource
from budget_gate.models.artifacts import Artifacts
from budget_gate.models.config import GateConfig
from budget_gate.scope.change import Change, ScopeKind
from e2e_artifacts import estimate, plan, records, usage
from gitrepo import GitRepoBuilder


@pytest.fixture(autouse=True)
def _no_user_git_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


class Spy:
    """A source that records what is read, optionally hiding its walk (a listing-only source)."""

    parallel_reads = False  # what is read must be recorded in this process

    def __init__(self, inner: FileSource) -> None:
        self.inner = inner
        self.read: list[str] = []
        self.listed = False

    def list_paths(self) -> list[str]:
        self.listed = True
        return self.inner.list_paths()

    def read_many(self, paths: Sequence[str], *, max_bytes: int) -> Mapping[str, ReadResult]:
        self.read.extend(paths)
        return self.inner.read_many(paths, max_bytes=max_bytes)

    def paths_containing(self, needles: Sequence[str], among: Sequence[str]) -> list[str]:
        return self.inner.paths_containing(needles, among)


class WalkingSpy(Spy):
    """A spy that walks like the real sources do."""

    def __init__(self, inner: GitTreeSource) -> None:
        super().__init__(inner)
        self.walker = inner

    def paths_matching(self, walk: GlobWalk, *, enter: EnterRule | None = None) -> list[str]:
        return self.walker.paths_matching(walk, enter=enter)


def _usage(run_id: str, plan_id: str, slice_id: str) -> str:
    return usage(run_id, plan_id, slice_id, requests=1, prompt=10, completion=5)


def _estimate(plan_id: str) -> str:
    return estimate(plan_id, "S1", requests=1, prompt=10, completion=5)


def _change(repo: GitRepoBuilder, base: str) -> Change:
    git = GitRepo(repo.root)
    head = git.resolve("feature")
    return Change(
        kind=ScopeKind.PULL_REQUEST,
        base=base,
        head=head,
        files=git.changed_files(base, head),
        commits=git.commits(base, head),
    )


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[GitRepoBuilder, Change]:
    """Plans A, B, C; the pull request works on A only."""
    repo = GitRepoBuilder.create(tmp_path / "repo")
    repo.write_many(
        {
            "plans/A/plan.yaml": plan("A", ("S1", "in-progress", "src/a/**")),
            "plans/A/estimation.yaml": _estimate("A"),
            "plans/A/usage/run-a1.yaml": _usage("run-a1", "A", "S1"),
            "plans/B/plan.yaml": plan("B", ("S1", "in-progress", "src/b/**")),
            "plans/B/usage/run-b1.yaml": _usage("run-b1", "B", "S1"),
            "plans/C/plan.yaml": plan("C", ("S1", "in-progress", "src/c/**")),
            # B's estimate lives far from B's plan, in C's home
            "plans/C/estimation.yaml": records("estimates", _estimate("C"), _estimate("B")),
            "plans/C/usage/run-c1.yaml": _usage("run-c1", "C", "S1"),
            # in no plan's home: always read
            "plans/orphans/usage/run-o1.yaml": _usage("run-o1", "B", "S1"),
            "docs/artifacts/developer-agent-usage-report.yaml": records(
                "reports", _usage("run-s1", "C", "S1")
            ),
            "src/a/app.py": "a = 1\n",
            "src/b/app.py": "b = 1\n",
        }
    )
    base = repo.commit("Plans A, B and C")
    repo.branch("feature")
    repo.checkout("feature")
    repo.write("src/a/app.py", "a = 2\n")
    repo.write("plans/A/usage/run-a2.yaml", _usage("run-a2", "A", "S1"))
    repo.commit("Work on A", trailers=[("Agent-Run", "run-a2")])
    return repo, _change(repo, base)


def _load(source: FileSource, change: Change) -> Artifacts:
    return load_artifacts(source, config=GateConfig(), change=change)


def _runs(artifacts: Artifacts) -> list[str]:
    return [item.record.run_id for item in artifacts.reports]


def _estimated(artifacts: Artifacts) -> list[tuple[str, str]]:
    return [(item.record.plan_id, item.path) for item in artifacts.estimates]


def test_a_pull_request_reads_its_plans_own_records_and_shared_files(
    pull_request: tuple[GitRepoBuilder, Change],
) -> None:
    repo, change = pull_request
    spy = WalkingSpy(GitTreeSource(GitRepo(repo.root), "feature"))
    artifacts = _load(spy, change)
    assert [item.record.plan_id for item in artifacts.plans] == ["A", "B", "C"]
    # the changed file first, then A's home and the files in no home, in path order
    assert _runs(artifacts) == ["run-a2", "run-s1", "run-a1", "run-o1"]
    assert _estimated(artifacts) == [("A", "plans/A/estimation.yaml")]
    for other in ("plans/B/usage/run-b1.yaml", "plans/C/usage/run-c1.yaml"):
        assert other not in spy.read  # B and C are not in scope: never read
    assert not spy.listed  # nothing was missing, so nothing was listed either


def test_a_record_far_from_its_plan_is_found_by_searching_every_file(
    pull_request: tuple[GitRepoBuilder, Change],
) -> None:
    repo, change = pull_request
    repo.write("src/b/app.py", "b = 2\n")
    repo.commit("Work on B too")
    change = _change(repo, change.base or "")
    spy = WalkingSpy(GitTreeSource(GitRepo(repo.root), "feature"))
    artifacts = _load(spy, change)
    # B/S1 has no estimate in B's home, so every unread file is searched for "B"
    assert spy.listed
    assert ("B", "plans/C/estimation.yaml") in _estimated(artifacts)
    assert "run-b1" in _runs(artifacts)


@pytest.mark.parametrize("head", ["feature", None])
def test_the_walk_finds_what_a_full_listing_finds(
    pull_request: tuple[GitRepoBuilder, Change], head: str | None
) -> None:
    repo, change = pull_request
    repo.write("src/b/app.py", "b = 2\n")  # B in scope: the fallback search runs too
    repo.commit("Work on B too")
    change = _change(repo, change.base or "")

    def source() -> FileSource:
        if head is None:
            return WorktreeSource(repo.root)
        return GitTreeSource(GitRepo(repo.root), head)

    walked = _load(source(), change)
    listed = _load(Spy(source()), change)  # the spy has no walk: a full listing, filtered
    assert walked == listed
    assert walked.reports
