"""The one function that runs git, and the errors it raises.

`git.py` (refs, changes, commits), `git_objects.py` (trees and blobs) and `git_tags.py` (release
tags) run git only through `run_git`. Every command is read-only and runs with a fixed
environment: no prompts, no pager, no repository redirection inherited from the caller
(`GIT_DIR` and friends), and nothing the repository carries is executed: no hooks (none of these
commands runs one), no external diff or textconv driver, no fsmonitor. Errors are `GitError`s
whose one-line message says the fix.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

FETCH_HINT = "fetch it (actions/checkout with fetch-depth: 0)"

# Variables that would point git at another repository, index or work tree than `root`.
_REDIRECTING_VARIABLES = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_EXTERNAL_DIFF",
        "GIT_PAGER",
    }
)
_FIXED_VARIABLES = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_OPTIONAL_LOCKS": "0",  # reading must not rewrite the index
    "LC_ALL": "C",  # English messages in logs and in GitError
    "LANGUAGE": "",
}

_GLOBAL_OPTIONS = ["--no-pager", "-c", "core.quotepath=off", "-c", "core.fsmonitor=false"]

_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
_TOKENS = re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b")


class GitError(Exception):
    """git could not answer; the message says what failed and how to fix it, in one line."""


def _redact(text: str) -> str:
    """Drop credentials a remote URL or a token might carry before text reaches a message."""
    return _TOKENS.sub("***", _CREDENTIALS.sub(r"\1", text))


def decode(raw: bytes) -> str:
    """git output as text; non-UTF-8 paths survive the round trip back into a pathspec."""
    return raw.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    """The inverse of `decode`, for text sent back to git."""
    return text.encode("utf-8", "surrogateescape")


def run_git(
    root: Path, args: Sequence[str], *, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[bytes]:
    """Run `git args` in `root`; an exit status outside `ok` becomes a `GitError`."""
    command = ["git", "-C", str(root), *_GLOBAL_OPTIONS]
    command += ["-c", f"safe.directory={root}", *args]
    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTING_VARIABLES}
    env.update(_FIXED_VARIABLES)
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, env=env, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH; install git") from None
    if result.returncode not in ok:
        raise git_failure(root=root, args=args, result=result)
    return result


def git_failure(
    *, root: Path, args: Sequence[str], result: subprocess.CompletedProcess[bytes]
) -> GitError:
    """The `GitError` for a git command that failed: not a repository, or git's last word."""
    stderr = _redact(result.stderr.decode("utf-8", "replace")).strip()
    if "not a git repository" in stderr:
        return GitError(
            f"{root} is not a git repository; run the gate in a clone "
            "(actions/checkout) or point it at one"
        )
    detail = stderr.splitlines()[-1] if stderr else f"exit status {result.returncode}"
    return GitError(
        f"git {args[0]} failed in {root}: {detail}; run the same git command there to see why"
    )
