"""A plan listing moved from one commit to another through git's list of changed paths is
exactly what walking the other commit finds: same files, same entries, same order."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget_gate.git.repo import GitRepo
from budget_gate.git.tree import GitTreeSource
from budget_gate.load.glob_walk import GlobWalk
from budget_gate.load.plan_cache import FILE_NAME, PlanCache, encode
from budget_gate.load.plan_listing import CommitSource, PlanListing
from budget_gate.models.config import GateConfig
from gitrepo import GitRepoBuilder

WALK = GlobWalk(["plans/*/plan.md", "plans/*/plan.yaml", "extra/**/plan.yaml"])
HOMES = ("plans/A", "plans/B c", "plans/Ü", "plans/a-b", "plans/a", "extra/x/y")
EDITS = ("add-md", "add-yaml", "edit", "delete", "symlink", "directory", "chmod", "submodule")


@pytest.fixture(autouse=True)
def _no_user_git_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def source(builder: GitRepoBuilder, rev: str = "HEAD") -> GitTreeSource:
    return GitTreeSource(GitRepo(builder.root), rev)


def clear(path: Path) -> None:
    """Whatever is at `path` (file, symlink or directory) removed, so a new kind can go there."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def apply(builder: GitRepoBuilder, home: str, edit: str) -> None:
    root = builder.root
    plan = f"{home}/plan.yaml"
    regular = (root / plan).is_file() and not (root / plan).is_symlink()
    if edit == "add-md":
        clear(root / home / "plan.md")
        builder.write(f"{home}/plan.md", "---\nplan_id: M\n---\n")
    elif edit in ("add-yaml", "edit"):
        clear(root / plan)
        builder.write(plan, f"plan_id: E\ntitle: {os.urandom(4).hex()}\n")
    elif edit == "delete":
        clear(root / plan)
    elif edit == "symlink":
        clear(root / plan)
        (root / home).mkdir(parents=True, exist_ok=True)
        os.symlink("elsewhere.yaml", root / plan)
    elif edit == "directory":
        clear(root / plan)
        builder.write(f"{plan}/plan.yaml", "plan_id: D\n")  # the plan file is now a directory
    elif edit == "chmod" and regular:
        (root / plan).chmod(0o755)
    elif edit == "submodule":
        clear(root / plan)  # the gitlink itself is staged by `commit_with_gitlinks`


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.lists(st.tuples(st.sampled_from(HOMES), st.sampled_from(EDITS[:3])), max_size=6),
    after=st.lists(st.tuples(st.sampled_from(HOMES), st.sampled_from(EDITS)), max_size=6),
)
def test_a_listing_moved_between_commits_is_the_walk_of_the_other(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[tuple[str, str]],
    after: list[tuple[str, str]],
) -> None:
    builder = GitRepoBuilder.create(tmp_path_factory.mktemp("repo"))
    builder.write("src/app.py", "print(1)\n")
    for home, edit in before:
        apply(builder, home, edit)
    builder.commit("before")
    first = source(builder)
    for home, edit in after:
        apply(builder, home, edit)
    gitlinks = {f"{home}/plan.yaml" for home, edit in after if edit == "submodule"}
    builder.stage()
    for path in sorted(gitlinks):
        if not (builder.root / path).exists() and not (builder.root / path).is_symlink():
            cacheinfo = f"160000,{first.commit},{path}"  # a submodule where a plan could be
            builder.git("update-index", "--add", "--cacheinfo", cacheinfo)
    builder.commit("after", allow_empty=True, stage_all=False)
    second = source(builder)

    kept = PlanListing.walked(first, WALK)
    moved = kept.moved_to(second, WALK)
    walked = PlanListing.walked(source(builder), WALK)

    assert moved is not None
    assert moved.commit == second.commit
    assert list(moved.files.items()) == list(walked.files.items())
    back = moved.moved_to(source(builder, first.commit), WALK)
    assert back is not None
    assert list(back.files.items()) == list(kept.files.items())


def test_a_commit_git_does_not_have_cannot_be_moved_from(tmp_path: Path) -> None:
    builder = GitRepoBuilder.create(tmp_path / "repo")
    builder.write("plans/A/plan.yaml", "plan_id: A\n")
    builder.commit("a plan")
    head = source(builder)
    assert isinstance(head, CommitSource)
    stranger = PlanListing(commit="0" * 40, files={"plans/Z/plan.yaml": ("1" * 40, True)})
    assert stranger.moved_to(head, WALK) is None


def cache_with(directory: Path, listing: PlanListing | None, config: GateConfig) -> None:
    key = PlanCache.open(None, config=config).key
    (directory / FILE_NAME).write_bytes(encode({}, key, listing=listing))


def test_the_cache_walks_when_its_listing_cannot_be_moved_and_keeps_the_merge_bases(
    tmp_path: Path,
) -> None:
    builder = GitRepoBuilder.create(tmp_path / "repo")
    builder.write("plans/A/plan.yaml", "plan_id: A\n")
    builder.commit("base")
    base = source(builder)
    builder.write("plans/B/plan.yaml", "plan_id: B\n")
    builder.commit("head")
    head = source(builder)
    config = GateConfig()
    stranger = PlanListing(commit="0" * 40, files={"plans/Z/plan.yaml": ("1" * 40, True)})
    cache_with(tmp_path, stranger, config)

    cache = PlanCache.open(tmp_path, config=config)
    found = cache.plan_listing(head, WALK, base=base)
    cache.save()

    assert list(found.files) == ["plans/A/plan.yaml", "plans/B/plan.yaml"]  # walked, not Z
    kept = PlanCache.open(tmp_path, config=config).listing
    assert kept is not None
    assert kept.commit == base.commit
    assert list(kept.files) == ["plans/A/plan.yaml"]
    again = PlanCache.open(tmp_path, config=config).plan_listing(head, WALK, base=base)
    assert again == found


@pytest.mark.parametrize(
    "listing",
    [
        "not a list",
        ["abc"],
        [7, []],
        ["abc", "not a list"],
        ["abc", [["plans/A/plan.yaml", "1" * 40]]],
        ["abc", [["plans/A/plan.yaml", "1" * 40, "yes"]]],
        ["abc", [[1, "1" * 40, True]]],
    ],
)
def test_a_listing_of_the_wrong_shape_is_ignored(tmp_path: Path, listing: object) -> None:
    key = PlanCache.open(None, config=GateConfig()).key
    from budget_gate.load import cache_file
    from budget_gate.load.plan_cache import CACHE_FORMAT

    body = {"plans": {}, "listing": listing}
    data = cache_file.encode(body, format_number=CACHE_FORMAT, key=key)
    (tmp_path / FILE_NAME).write_bytes(data)
    assert PlanCache.open(tmp_path, config=GateConfig()).listing is None
