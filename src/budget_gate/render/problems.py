"""`TemplateProblem`, apart from the Jinja environment so the CLI can catch it without Jinja."""

from __future__ import annotations


class TemplateProblem(Exception):  # noqa: N818 - the CLI and docs call it a problem
    """A user template that cannot be used; the message is one line and says how to fix it."""

    def __init__(self, *, path: str, line: int | None, problem: str, fix: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}; {fix}")
