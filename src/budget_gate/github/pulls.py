"""A pull request's changed files and commits from the API, when the workspace lacks its history.

`GET /pulls/{n}/files` stops at 3,000 files and `GET /pulls/{n}/commits` at 250 commits however
large the PR is; when a list is cut, the `Change` carries a note the report shows, so a reader
knows slices may be missing and how to avoid it (`fetch-depth: 0` makes the gate use git).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from budget_gate.github.limits import PR_COMMITS_MAX, PR_FILES_MAX
from budget_gate.scope.change import Change, ChangedFile, Commit, FileStatus, ScopeKind
from budget_gate.scope.trailers import parse_trailers, subject

FILES_CAP_NOTE = (
    "GitHub's API lists at most {cap:,} changed files and this pull request changes {total}; "
    "slices touched only by the others are not in scope. Check out with fetch-depth: 0 so the "
    "gate reads the change from git."
)
COMMITS_CAP_NOTE = (
    "GitHub's API lists at most {cap:,} commits and this pull request has {total}; trailers and "
    "agent authors of the others are not seen. Check out with fetch-depth: 0 so the gate reads "
    "the commits from git."
)

_STATUS = {
    "added": FileStatus.ADDED,
    "copied": FileStatus.ADDED,
    "removed": FileStatus.DELETED,
    "modified": FileStatus.MODIFIED,
    "changed": FileStatus.MODIFIED,
    "renamed": FileStatus.RENAMED,
}


class PullApi(Protocol):
    def pull_files(self, number: int) -> Iterator[tuple[str, str, str | None]]: ...

    def pull_commits(self, number: int) -> Iterator[tuple[str, str, str, int]]: ...


def changed_files(rows: Iterable[tuple[str, str, str | None]]) -> tuple[ChangedFile, ...]:
    files: list[ChangedFile] = []
    for path, status, previous in rows:
        kind = _STATUS.get(status)
        if kind is None:  # "unchanged": listed, but nothing to judge
            continue
        renamed = kind is FileStatus.RENAMED and previous
        files.append(
            ChangedFile(path=path, status=kind, previous_path=previous if renamed else None)
        )
    return tuple(files)


def commits(rows: Iterable[tuple[str, str, str, int]]) -> tuple[Commit, ...]:
    """Non-merge commits with trailers parsed like git's, matching `GitRepo.commits`."""
    return tuple(
        Commit(sha=sha, author=author, subject=subject(message), trailers=parse_trailers(message))
        for sha, author, message, parents in rows
        if parents <= 1
    )


def _cap_note(template: str, *, listed: int, cap: int, total: int | None) -> str | None:
    if total is not None and total > listed:
        return template.format(cap=cap, total=f"{total:,}")
    if total is None and listed >= cap:
        return template.format(cap=cap, total=f"at least {cap:,}")
    return None


def change_from_api(
    api: PullApi,
    *,
    number: int,
    base: str,
    head: str,
    total_files: int | None,
    total_commits: int | None,
) -> Change:
    """The PR's change as the API lists it; `total_*` are the payload's counts, to detect cuts."""
    listed_files = list(api.pull_files(number))
    listed_commits = list(api.pull_commits(number))
    notes = [
        note
        for note in (
            _cap_note(
                FILES_CAP_NOTE, listed=len(listed_files), cap=PR_FILES_MAX, total=total_files
            ),
            _cap_note(
                COMMITS_CAP_NOTE,
                listed=len(listed_commits),
                cap=PR_COMMITS_MAX,
                total=total_commits,
            ),
        )
        if note is not None
    ]
    return Change(
        kind=ScopeKind.PULL_REQUEST,
        base=base,
        head=head,
        files=changed_files(listed_files),
        commits=commits(listed_commits),
        notes=tuple(notes),
    )
