"""PyGithub set up for Actions, and the few calls the gate makes on one repository.

The client honours `GITHUB_API_URL` (GHES), retries within bounds (`retry.GitHubRetry`), times
requests out, asks for 100 items a page and builds lazy objects, so no call costs a hidden GET:
`get_repo`/`get_issue`/`get_pull` with `lazy=True` send nothing until a list or a write does.
Every PyGithub or network failure leaves this module as a `GitHubError` whose one-line message
names the call, GitHub's status and answer; the token never appears in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import requests
from github import Auth, Github, GithubException, RateLimitExceededException
from github.CheckRun import CheckRun
from github.IssueComment import IssueComment

from budget_gate import __version__
from budget_gate.github.limits import PER_PAGE
from budget_gate.github.retry import GitHubRetry

REQUEST_TIMEOUT_SECONDS = 20
WRITE_SPACING_SECONDS = 1.0
"""GitHub asks integrations to leave about a second between content-creating requests."""
USER_AGENT = f"plan-budget-gate/{__version__}"
VIEWER_QUERY = "query { viewer { login } }"
_DETAIL_CHARS = 300


class ProblemKind(StrEnum):
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not-found"
    TOO_LONG = "too-long"
    RATE_LIMITED = "rate-limited"
    UNAVAILABLE = "unavailable"
    REJECTED = "rejected"


class GitHubError(Exception):
    """A call GitHub refused or could not answer; `str()` is one line for the log."""

    def __init__(self, *, kind: ProblemKind, action: str, status: int | None, detail: str) -> None:
        self.kind = kind
        self.action = action
        self.status = status
        self.detail = detail
        answer = (
            f"GitHub answered {status}" if status is not None else "GitHub could not be reached"
        )
        super().__init__(f"{action}: {answer}: {detail}")


@dataclass(frozen=True, slots=True)
class Comment:
    """An issue comment as the sticky-comment logic needs it."""

    id: int
    body: str
    author: str
    html_url: str


@dataclass(frozen=True, slots=True)
class IssueInfo:
    """An issue as the remediation logic needs it (pull requests are issues too: flagged)."""

    number: int
    title: str
    body: str
    open: bool
    author: str
    html_url: str
    is_pull_request: bool = False


@dataclass(frozen=True, slots=True)
class PullInfo:
    head_sha: str
    base_sha: str
    base_repo: str
    labels: frozenset[str]


@dataclass(frozen=True, slots=True)
class CheckRunRef:
    id: int
    html_url: str


def connect(
    *,
    token: str,
    api_url: str,
    timeout: int = REQUEST_TIMEOUT_SECONDS,
    write_spacing: float = WRITE_SPACING_SECONDS,
) -> Github:
    """A PyGithub client for `api_url` (`GITHUB_API_URL`, so GHES works unchanged)."""
    return Github(
        auth=Auth.Token(token),
        base_url=api_url.rstrip("/"),
        timeout=timeout,
        user_agent=USER_AGENT,
        per_page=PER_PAGE,
        retry=GitHubRetry(),
        seconds_between_requests=None,
        seconds_between_writes=write_spacing,
        lazy=True,
    )


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _DETAIL_CHARS else flat[: _DETAIL_CHARS - 1] + "…"


def _answer(data: Any) -> str:
    if not isinstance(data, dict):
        return _one_line(str(data)) if data else "no details"
    parts = [str(data.get("message") or "")]
    errors = data.get("errors")
    if isinstance(errors, list):
        for item in errors[:3]:
            text = item.get("message") or item.get("code") if isinstance(item, dict) else item
            if text:
                parts.append(str(text))
    return _one_line("; ".join(part for part in parts if part)) or "no details"


def _kind(error: GithubException) -> ProblemKind:
    detail = _answer(error.data).lower()
    if isinstance(error, RateLimitExceededException) or "rate limit" in detail:
        return ProblemKind.RATE_LIMITED
    if error.status == 401:
        return ProblemKind.UNAUTHORIZED
    if error.status == 403:
        return ProblemKind.FORBIDDEN
    if error.status == 404:
        return ProblemKind.NOT_FOUND
    if error.status == 422 and "too long" in detail:
        return ProblemKind.TOO_LONG
    if error.status >= 500:
        return ProblemKind.UNAVAILABLE
    return ProblemKind.REJECTED


@contextmanager
def translated(action: str, *, secret: str = "") -> Iterator[None]:
    """Turn PyGithub's and requests' exceptions into a `GitHubError` for `action`."""
    try:
        yield
    except GithubException as error:
        detail = _answer(error.data)
        if secret:
            detail = detail.replace(secret, "***")
        raise GitHubError(
            kind=_kind(error), action=action, status=error.status, detail=detail
        ) from None
    except requests.RequestException as error:
        detail = _one_line(type(error).__name__ + ": " + str(error))
        if secret:
            detail = detail.replace(secret, "***")
        raise GitHubError(
            kind=ProblemKind.UNAVAILABLE, action=action, status=None, detail=detail
        ) from None


class RepoClient:
    """The calls the gate makes on one repository; PyGithub objects stay inside."""

    def __init__(self, gh: Github, repository: str, *, secret: str = "") -> None:
        self._gh = gh
        self._repository = repository
        self._repo = gh.get_repo(repository)
        self._secret = secret
        self._comments: dict[int, IssueComment] = {}
        self._checks: dict[int, CheckRun] = {}

    def _call(self, action: str) -> Any:
        return translated(action, secret=self._secret)

    # -- comments ------------------------------------------------------------------------------

    def list_comments(self, number: int) -> list[Comment]:
        with self._call(f"listing the comments of #{number}"):
            found = list(self._repo.get_issue(number).get_comments())
        self._comments.update({item.id: item for item in found})
        return [_comment(item) for item in found]

    def create_comment(self, number: int, body: str) -> Comment:
        with self._call(f"commenting on #{number}"):
            created = self._repo.get_issue(number).create_comment(body)
        self._comments[created.id] = created
        return _comment(created)

    def edit_comment(self, comment_id: int, body: str) -> Comment:
        item = self._comments[comment_id]
        with self._call(f"updating comment {comment_id}"):
            item.edit(body)
        return _comment(item)

    def delete_comment(self, comment_id: int) -> None:
        item = self._comments.pop(comment_id)
        with self._call(f"deleting comment {comment_id}"):
            item.delete()

    def authenticated_login(self) -> str:
        """The token's own login (`GET /user`); only user tokens can answer it."""
        with self._call("reading the token's user"):
            return str(self._gh.get_user().login)

    def viewer_login(self) -> str:
        """The token's own login from GraphQL's `viewer`, which installation tokens (the
        workflow's `GITHUB_TOKEN`, a GitHub App's) can read: `github-actions[bot]`,
        `<app>[bot]`."""
        with self._call("reading the token's identity"):
            _, data = self._gh.requester.graphql_query(VIEWER_QUERY, {})
        login = (data.get("data") or {}).get("viewer", {}).get("login")
        if not isinstance(login, str) or not login:
            raise GitHubError(
                kind=ProblemKind.REJECTED,
                action="reading the token's identity",
                status=200,
                detail="the GraphQL answer has no viewer login",
            )
        return login

    # -- checks and statuses -------------------------------------------------------------------

    def create_check_run(
        self, *, name: str, head_sha: str, conclusion: str, output: dict[str, Any]
    ) -> CheckRunRef:
        with self._call(f"creating the check run {name!r}"):
            run = self._repo.create_check_run(
                name=name,
                head_sha=head_sha,
                status="completed",
                conclusion=conclusion,
                output=output,
            )
        self._checks[run.id] = run
        return CheckRunRef(id=run.id, html_url=run.html_url)

    def update_check_run(self, run_id: int, *, output: dict[str, Any]) -> None:
        with self._call(f"adding annotations to check run {run_id}"):
            self._checks[run_id].edit(output=output)

    def create_status(
        self, *, sha: str, state: str, context: str, description: str, target_url: str | None
    ) -> None:
        """`POST /statuses/{sha}` sent directly: PyGithub's `Commit.create_status` would first
        GET the commit to learn the SHA we already have."""
        body: dict[str, Any] = {"state": state, "context": context, "description": description}
        if target_url:
            body["target_url"] = target_url
        with self._call(f"setting the commit status {context!r}"):
            self._gh.requester.requestJsonAndCheck(
                "POST", f"/repos/{self._repository}/statuses/{sha}", input=body
            )

    # -- issues --------------------------------------------------------------------------------
    # Sent directly: PyGithub's listed `Issue` objects fetch each issue again the moment a field
    # the list left out (`pull_request` on a plain issue) is read.

    def list_issues(self, *, label: str) -> list[IssueInfo]:
        """Every issue (open or closed) with the label: `GET /issues?labels=…&state=all`, all
        pages. Listing, unlike the search API, sees an issue the moment it is created."""
        found: list[IssueInfo] = []
        url: str | None = f"/repos/{self._repository}/issues"
        parameters: dict[str, Any] | None = {
            "labels": label,
            "state": "all",
            "per_page": PER_PAGE,
        }
        with self._call(f"listing the issues labelled {label!r}"):
            while url is not None:
                headers, data = self._gh.requester.requestJsonAndCheck(
                    "GET", url, parameters=parameters
                )
                found.extend(_issue(item) for item in data)
                url, parameters = _next_page(headers), None
        return found

    def create_issue(self, *, title: str, body: str, labels: list[str]) -> IssueInfo:
        with self._call("opening a remediation issue"):
            _, data = self._gh.requester.requestJsonAndCheck(
                "POST",
                f"/repos/{self._repository}/issues",
                input={"title": title, "body": body, "labels": labels},
            )
        return _issue(data)

    def edit_issue(self, number: int, **fields: str) -> IssueInfo:
        """`PATCH /issues/{n}` with `title`, `body`, `state` and `state_reason` as given."""
        with self._call(f"updating issue #{number}"):
            _, data = self._gh.requester.requestJsonAndCheck(
                "PATCH", f"/repos/{self._repository}/issues/{number}", input=dict(fields)
            )
        return _issue(data)

    # -- pull requests -------------------------------------------------------------------------

    def pull_files(self, number: int) -> Iterator[tuple[str, str, str | None]]:
        """(path, status, previous path) of each file, as `GET /pulls/{n}/files` lists them."""
        with self._call(f"listing the files of #{number}"):
            for item in self._repo.get_pull(number).get_files():
                yield item.filename, item.status, item.previous_filename

    def pull_commits(self, number: int) -> Iterator[tuple[str, str, str, int]]:
        """(sha, `Name <email>`, message, parent count) of each commit of the PR."""
        with self._call(f"listing the commits of #{number}"):
            for item in self._repo.get_pull(number).get_commits():
                author = item.commit.author
                yield (
                    item.sha,
                    f"{author.name} <{author.email}>",
                    item.commit.message,
                    len(item.parents),
                )

    def pull_request(self, number: int) -> PullInfo:
        """A PR's head and base SHAs, base repository and labels: one `GET /pulls/{n}`."""
        with self._call(f"reading pull request #{number}"):
            pull = self._repo.get_pull(number)
            return PullInfo(
                head_sha=pull.head.sha,
                base_sha=pull.base.sha,
                base_repo=pull.base.repo.full_name,
                labels=frozenset(label.name for label in pull.labels),
            )


def _comment(item: IssueComment) -> Comment:
    user = item.user
    return Comment(
        id=item.id,
        body=item.body or "",
        author=user.login if user is not None else "",
        html_url=item.html_url,
    )


def _issue(data: Any) -> IssueInfo:
    if not isinstance(data, dict) or not isinstance(data.get("number"), int):
        raise GitHubError(
            kind=ProblemKind.REJECTED,
            action="reading an issue",
            status=200,
            detail=f"the answer is not an issue: {_one_line(str(data))}",
        )
    user = data.get("user") or {}
    return IssueInfo(
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        open=data.get("state") == "open",
        author=str(user.get("login") or ""),
        html_url=str(data.get("html_url") or ""),
        is_pull_request=data.get("pull_request") is not None,
    )


def _next_page(headers: dict[str, Any]) -> str | None:
    """The `rel="next"` URL of a `Link` header, if any."""
    for part in str(headers.get("link") or headers.get("Link") or "").split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None
