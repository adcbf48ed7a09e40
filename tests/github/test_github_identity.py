"""Whose comment or issue is ours: the token's own account, asked once, compared exactly."""

from __future__ import annotations

import pytest

from budget_gate.github.client import GitHubError, ProblemKind
from budget_gate.github.identity import TokenIdentity

INSTALLATION = "ghs_" + "i" * 36
PERSONAL = "ghp_" + "p" * 36


class Accounts:
    """GitHub's two answers to "who is this token", each counted."""

    def __init__(self, viewer: str | GitHubError, user: str | GitHubError = "") -> None:
        self.viewer = viewer
        self.user = user
        self.asked: list[str] = []

    def viewer_login(self) -> str:
        self.asked.append("viewer")
        if isinstance(self.viewer, GitHubError):
            raise self.viewer
        return self.viewer

    def authenticated_login(self) -> str:
        self.asked.append("user")
        if isinstance(self.user, GitHubError):
            raise self.user
        return self.user


def problem(kind: ProblemKind) -> GitHubError:
    return GitHubError(kind=kind, action="reading the token's identity", status=None, detail="")


def test_the_workflow_token_is_github_actions_bot_asked_once() -> None:
    api = Accounts(viewer="github-actions[bot]")
    identity = TokenIdentity(api, token=INSTALLATION)

    assert identity.asked is None
    assert identity.wrote("github-actions[bot]")
    assert identity.wrote("GitHub-Actions[bot]")
    assert not identity.wrote("renovate[bot]")
    assert api.asked == ["viewer"]
    assert identity.asked == "github-actions[bot]"


def test_a_bot_named_without_its_suffix_is_still_the_bot_and_never_a_person() -> None:
    identity = TokenIdentity(Accounts(viewer="budget-app"), token=INSTALLATION)

    assert identity.wrote("budget-app[bot]")
    assert not identity.wrote("budget-app")  # a person may own the app's slug as a login


def test_a_personal_token_is_its_user() -> None:
    api = Accounts(viewer="release-robot")
    identity = TokenIdentity(api, token=PERSONAL)

    assert identity.wrote("Release-Robot")
    assert not identity.wrote("release-robot[bot]")
    assert api.asked == ["viewer"]


def test_without_graphql_a_personal_token_asks_the_user_endpoint() -> None:
    api = Accounts(viewer=problem(ProblemKind.FORBIDDEN), user="release-robot")

    assert TokenIdentity(api, token=PERSONAL).wrote("release-robot")
    assert api.asked == ["viewer", "user"]


def test_without_graphql_an_installation_token_is_the_workflows_bot() -> None:
    api = Accounts(viewer=problem(ProblemKind.FORBIDDEN))

    assert TokenIdentity(api, token=INSTALLATION).login == "github-actions[bot]"
    assert api.asked == ["viewer"]


@pytest.mark.parametrize("kind", [ProblemKind.RATE_LIMITED, ProblemKind.UNAVAILABLE])
def test_a_passing_failure_is_not_guessed_around(kind: ProblemKind) -> None:
    identity = TokenIdentity(Accounts(viewer=problem(kind)), token=INSTALLATION)

    with pytest.raises(GitHubError):
        identity.wrote("github-actions[bot]")
