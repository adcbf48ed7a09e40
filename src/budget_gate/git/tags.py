"""Release tags through git: which tags match a pattern, and which one a release starts after."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from budget_gate.git.runner import decode, encode, run_git


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag name and the commit it points at (annotated tags peeled)."""

    name: str
    commit: str


def list_tags(root: Path, pattern: str, *, merged_into: str | None = None) -> tuple[Tag, ...]:
    """Tags matching `pattern` (`git tag --list` wildcards), newest first, peeled to commits.

    Annotated and lightweight tags alike (a tag of a tag too); tags of trees or blobs are
    left out. `merged_into` keeps only tags reachable from that commit.
    """
    merged = [] if merged_into is None else [f"--merged={merged_into}"]
    sort = ["--sort=-v:refname", "--sort=-creatordate"]  # the last key is the first
    out = run_git(
        root, ["tag", "--list", *merged, *sort, "--format=%(refname:strip=2)", "--", pattern]
    ).stdout
    names = [name for name in decode(out).split("\n") if name]
    if not names:
        return ()
    request = "".join(f"refs/tags/{name}^{{commit}}\n" for name in names)
    peeled = run_git(
        root, ["cat-file", "--batch-check=%(objectname) %(objecttype)"], stdin=encode(request)
    ).stdout
    tags: list[Tag] = []
    for name, line in zip(names, decode(peeled).splitlines(), strict=True):
        sha, _, kind = line.partition(" ")
        if kind == "commit":
            tags.append(Tag(name=name, commit=sha))
    return tuple(tags)


def previous_tag(root: Path, sha: str, pattern: str) -> Tag | None:
    """The nearest tag matching `pattern` reachable from commit `sha`, not on `sha` itself.

    Nearest means no other candidate lies between it and `sha` (`merge-base --independent`);
    when a merge brings in several such tags, the newest one wins.
    """
    candidates = [tag for tag in list_tags(root, pattern, merged_into=sha) if tag.commit != sha]
    commits = list(dict.fromkeys(tag.commit for tag in candidates))
    if len(commits) > 1:
        out = run_git(root, ["merge-base", "--independent", *commits]).stdout
        nearest = set(decode(out).split())
        candidates = [tag for tag in candidates if tag.commit in nearest]
    return candidates[0] if candidates else None
