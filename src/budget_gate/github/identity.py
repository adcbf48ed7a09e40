"""Who the token is, so the gate touches only the comments and issues it wrote itself.

A marker in a body proves nothing: anyone with write access can paste it, including another
bot. Nobody can post as the token's own account, so a comment or issue is ours when it carries
the marker **and** that account wrote it. The account is asked once per run, and only when some
body carries a marker, through GraphQL's `viewer`: it answers a user's token (PAT) with the
user's login and an installation token (the workflow's `GITHUB_TOKEN`, a GitHub App's) with the
bot's, where `GET /user` answers 403 and `GET /app` needs the app's JWT. Should GraphQL not
answer, a PAT asks `GET /user` and an installation token is taken to be `github-actions[bot]`,
the token the action gets by default. REST names a bot `slug[bot]`; where GitHub names it
without the suffix, the suffix is put back for an installation token, so a person whose login
is an app's slug never passes for the app.
"""

from __future__ import annotations

from typing import Protocol

from budget_gate.github.client import GitHubError, ProblemKind

INSTALLATION_TOKEN_PREFIX = "ghs_"  # noqa: S105 - a token kind, not a token
BOT_SUFFIX = "[bot]"
GITHUB_ACTIONS_BOT = "github-actions[bot]"
"""Who the workflow's own `GITHUB_TOKEN` writes as."""
_TRANSIENT = (ProblemKind.RATE_LIMITED, ProblemKind.UNAVAILABLE)


class IdentityApi(Protocol):
    def viewer_login(self) -> str: ...

    def authenticated_login(self) -> str: ...


class TokenIdentity:
    """The token's own account (see the module docstring), asked at most once."""

    def __init__(self, api: IdentityApi, *, token: str) -> None:
        self._api = api
        self._installation = token.startswith(INSTALLATION_TOKEN_PREFIX)
        self._login: str | None = None

    @property
    def login(self) -> str:
        """The account's REST login (`github-actions[bot]`, `<app>[bot]`, a user's login)."""
        if self._login is None:
            self._login = self._ask()
        return self._login

    @property
    def asked(self) -> str | None:
        """The login if it had to be asked (for the log), else None."""
        return self._login

    def wrote(self, author: str) -> bool:
        """Whether the REST login `author` is the token's own account."""
        return author.lower() == self.login.lower()

    def _ask(self) -> str:
        try:
            login = self._api.viewer_login()
        except GitHubError as problem:
            if problem.kind in _TRANSIENT:
                raise
            return GITHUB_ACTIONS_BOT if self._installation else self._api.authenticated_login()
        if self._installation and not login.lower().endswith(BOT_SUFFIX):
            return f"{login}{BOT_SUFFIX}"
        return login
