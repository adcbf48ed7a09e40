"""A throwaway git repository for tests: write, delete, rename, commit with trailers, branch.

It runs the real git with the user's and the system's config switched off and fixed identities
and dates, so tests behave the same on every machine. Use it with pytest's `tmp_path`:

    repo = GitRepoBuilder.create(tmp_path / "repo")
    repo.write("plans/a/plan.yaml", "plan_id: A\\n")
    sha = repo.commit("Add plan", trailers=[("Plan-Slice", "A/S1")])
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

DEFAULT_AUTHOR = "Test Author <author@example.com>"
_ISOLATED_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}
_REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")


def isolated_git_env() -> dict[str, str]:
    """`os.environ` without the user's git config; also for `monkeypatch` in product tests."""
    env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARIABLES}
    env.update(_ISOLATED_ENV)
    return env


def _split_identity(identity: str) -> tuple[str, str]:
    name, _, email = identity.partition("<")
    return name.strip(), email.rstrip(">").strip()


class GitRepoBuilder:
    """Builds history in a fresh repository at `root` (branch `main`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._clock = 1_700_000_000

    @classmethod
    def create(cls, root: Path, *, branch: str = "main") -> GitRepoBuilder:
        root.mkdir(parents=True, exist_ok=True)
        repo = cls(root)
        repo.git("init", "-q", "-b", branch)
        repo.git("config", "commit.gpgsign", "false")
        repo.git("config", "core.autocrlf", "false")
        return repo

    def git(
        self, *args: str, stdin: str | None = None, env: Mapping[str, str] | None = None
    ) -> str:
        """Run git in the repository and return its stdout (stripped); raise on failure."""
        result = subprocess.run(
            ["git", "-C", str(self.root), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**isolated_git_env(), **(env or {})},
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    # -- the working tree ----------------------------------------------------------------------

    def write(self, path: str, content: str | bytes = "") -> Path:
        """Create or overwrite a file (parents included); text is written as UTF-8."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        target.write_bytes(data)
        return target

    def write_many(self, files: Mapping[str, str | bytes]) -> None:
        for path, content in files.items():
            self.write(path, content)

    def symlink(self, path: str, target: str) -> Path:
        link = self.root / path
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
        return link

    def delete(self, path: str) -> None:
        self.git("rm", "-q", "--", path)

    def rename(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", "--", old, new)

    def stage(self, *paths: str) -> None:
        self.git("add", "-A", "--", *(paths or (".",)))

    # -- history -------------------------------------------------------------------------------

    def commit(
        self,
        subject: str,
        *,
        body: str = "",
        trailers: Iterable[tuple[str, str]] = (),
        author: str = DEFAULT_AUTHOR,
        stage_all: bool = True,
        allow_empty: bool = False,
    ) -> str:
        """Commit and return the new SHA. Trailers become a final `Key: value` paragraph."""
        if stage_all:
            self.stage()
        message = subject
        if body:
            message += f"\n\n{body.strip()}"
        trailer_lines = [f"{key}: {value}" for key, value in trailers]
        if trailer_lines:
            message += "\n\n" + "\n".join(trailer_lines)
        env = self._next_identity(author)
        args = ["commit", "-q", "--no-verify", "--cleanup=verbatim", "-F", "-"]
        if allow_empty:
            args.append("--allow-empty")
        self.git(*args, stdin=message + "\n", env=env)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def rev(self, ref: str) -> str:
        return self.git("rev-parse", "--verify", f"{ref}^{{commit}}")

    def branch(self, name: str, start: str = "HEAD") -> None:
        """Create branch `name` at `start` and check it out."""
        self.git("checkout", "-q", "-b", name, start)

    def checkout(self, ref: str) -> None:
        self.git("checkout", "-q", ref)

    def merge(self, ref: str, *, message: str | None = None) -> str:
        """A real merge commit (never fast-forward); returns its SHA."""
        env = self._next_identity(DEFAULT_AUTHOR)
        self.git("merge", "-q", "--no-ff", "-m", message or f"Merge {ref}", ref, env=env)
        return self.head()

    def set_time(self, epoch: int) -> None:
        """Author and commit the next commit at `epoch` (seconds since the epoch, UTC)."""
        self._clock = epoch - 60

    def _next_identity(self, author: str) -> dict[str, str]:
        """Author and committer variables, one minute after the previous commit."""
        self._clock += 60
        date = f"{self._clock} +0000"
        name, email = _split_identity(author)
        return {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": "Test Committer",
            "GIT_COMMITTER_EMAIL": "committer@example.com",
            "GIT_COMMITTER_DATE": date,
        }

    def tag(self, name: str, ref: str = "HEAD") -> None:
        self.git("tag", name, ref)
