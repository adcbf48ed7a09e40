"""A stateful fake of the GitHub REST API at the HTTP layer (`responses`), for the Action's tests.

It keeps comments, check runs (with their annotations), commit statuses, pull requests, issues
and their labels, and answers like GitHub does, including its limits (65,536-character comments,
65,535-character check summaries, 50 annotations a request, 140-character status descriptions)
and paginated lists with `Link` headers. Issues are listed newest first, filtered by every
label named and by state, pull requests among them (with their `pull_request` key) as GitHub
does; creating an issue with a label the repository lacks creates the label. GraphQL answers
the one query the gate sends, `viewer { login }`. Tests read the final state and `sent`, the
exact list of requests. One-shot failures (`fail`) stand for 5xx answers, rate limits, a fork's
403, a token without `issues: write` or a comment deleted meanwhile.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import responses
from requests import PreparedRequest

API = "https://api.github.com"
SERVER = "https://github.com"
REPO = "Codertocat/Hello-World"
FORBIDDEN = "Resource not accessible by integration"
BOT = "github-actions[bot]"


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    """Relative to the API root, with the query: `/repos/o/r/issues/2/comments?per_page=100`."""
    body: Any

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    times: int
    then: Callable[[], object] | None = None


@dataclass
class FakeGitHub:
    rsps: responses.RequestsMock
    api_url: str = API
    server_url: str = SERVER
    repository: str = REPO
    user_login: str | None = None
    """`GET /user` answers with this login; None answers 403 as for an installation token."""
    bot_login: str = BOT
    """Who an installation token writes as (GraphQL `viewer`): `github-actions[bot]` for the
    workflow's token, `<app>[bot]` for a GitHub App's."""
    viewer_login: str | None = None
    """What GraphQL `viewer { login }` answers when it differs from the REST login (GitHub may
    name a bot without its `[bot]` suffix there); None answers the REST login."""
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    pr_files: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pr_commits: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    _failures: list[Failure] = field(default_factory=list)
    _next_id: int = 1000

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        parts = urlsplit(self.api_url)
        self._prefix = parts.path
        self._host = parts.hostname
        # PyGithub sends the default port explicitly (`https://api.github.com:443/...`).
        host = re.escape(f"{parts.scheme}://{parts.hostname}")
        pattern = re.compile(f"^{host}(:[0-9]+)?{re.escape(self._prefix)}/")
        for method in ("GET", "POST", "PATCH", "DELETE"):
            self.rsps.add_callback(method, pattern, callback=self._dispatch)
        # GraphQL lives beside the REST root: /graphql, or /api/graphql on GHES (/api/v3).
        root = self._prefix.removesuffix("/v3") if self._prefix.endswith("/v3") else self._prefix
        self._graphql = f"{root}/graphql"
        if not self._graphql.startswith(f"{self._prefix}/"):  # else the pattern above has it
            # (two callbacks matching one request would make `responses` drop the first)
            graphql = re.compile(f"^{host}(:[0-9]+)?{re.escape(self._graphql)}$")
            self.rsps.add_callback("POST", graphql, callback=self._dispatch)

    # -- setting the scene ---------------------------------------------------------------------

    def add_comment(
        self, number: int, body: str, *, login: str = BOT, user_type: str = "Bot"
    ) -> int:
        comment_id = self._new_id()
        self.comments[comment_id] = self._comment(comment_id, number, body, login, user_type)
        return comment_id

    def add_issue(
        self,
        title: str,
        body: str,
        *,
        labels: tuple[str, ...] = (),
        login: str = BOT,
        user_type: str = "Bot",
        state: str = "open",
    ) -> int:
        """An issue someone opened before the run (its author may be anyone)."""
        number = self._new_number()
        self.issues[number] = self._issue(number, title, body, list(labels), login, user_type)
        if state == "closed":
            self.issues[number].update(state="closed", state_reason="completed")
            self.issues[number]["closed_at"] = "2026-01-02T00:00:00Z"
        return number

    def add_pull(
        self,
        number: int,
        *,
        head_sha: str,
        base_sha: str = "0" * 40,
        base_repo: str | None = None,
        labels: tuple[str, ...] = (),
    ) -> None:
        self.pulls[number] = {
            "url": f"{self.api_url}/repos/{self.repository}/pulls/{number}",
            "number": number,
            "state": "open",
            "head": {"sha": head_sha, "repo": {"full_name": "someone/fork"}},
            "base": {"sha": base_sha, "repo": {"full_name": base_repo or self.repository}},
            "labels": [{"name": name} for name in labels],
        }

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        message: str = "Server Error",
        headers: dict[str, str] | None = None,
        times: int = 1,
        errors: list[dict[str, Any]] | None = None,
        then: Callable[[], object] | None = None,
    ) -> None:
        """Answer the next `times` matching requests with `status` (path: a regex); `then` runs
        when it does (e.g. another run deleting the comment meanwhile)."""
        body: dict[str, Any] = {"message": message, "documentation_url": "https://docs.github.com"}
        if errors:
            body["errors"] = errors
        self._failures.append(
            Failure(method, re.compile(path), status, headers or {}, body, times, then)
        )

    # -- what happened -------------------------------------------------------------------------

    @property
    def sent(self) -> list[Sent]:
        found = []
        for call in self.rsps.calls:
            request = call.request
            url = urlsplit(request.url or "")
            if url.hostname != self._host:
                continue  # not GitHub: e.g. an OpenTelemetry collector
            path = url.path.removeprefix(self._prefix) + (f"?{url.query}" if url.query else "")
            body = request.body
            if isinstance(body, bytes):
                body = body.decode("utf-8")
            found.append(Sent(request.method or "", path, json.loads(body) if body else None))
        return found

    def requests(self) -> list[str]:
        return [str(item) for item in self.sent]

    def bodies(self) -> list[str]:
        return [comment["body"] for comment in self.comments.values()]

    # -- answering -----------------------------------------------------------------------------

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _new_number(self) -> int:
        """Issues and pull requests share one sequence of numbers, as on GitHub."""
        return max([*self.issues, *self.pulls, 0]) + 1

    def _label(self, name: str) -> dict[str, Any]:
        if name not in self.labels:
            label_id = self._new_id()
            self.labels[name] = {
                "id": label_id,
                "node_id": f"LA_{label_id}",
                "url": f"{self.api_url}/repos/{self.repository}/labels/{name}",
                "name": name,
                "color": "ededed",
                "default": False,
                "description": None,
            }
        return self.labels[name]

    def _issue(
        self, number: int, title: str, body: str, labels: list[str], login: str, user_type: str
    ) -> dict[str, Any]:
        base = f"{self.api_url}/repos/{self.repository}"
        return {
            "url": f"{base}/issues/{number}",
            "repository_url": base,
            "labels_url": f"{base}/issues/{number}/labels{{/name}}",
            "comments_url": f"{base}/issues/{number}/comments",
            "events_url": f"{base}/issues/{number}/events",
            "html_url": f"{self.server_url}/{self.repository}/issues/{number}",
            "id": self._new_id(),
            "node_id": f"I_kw{number}",
            "number": number,
            "title": title,
            "user": {"login": login, "id": 41898282, "type": user_type, "site_admin": False},
            "labels": [self._label(name) for name in labels],
            "state": "open",
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": 0,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "closed_at": None,
            "author_association": "NONE",
            "active_lock_reason": None,
            "body": body,
            "performed_via_github_app": None,
            "state_reason": None,
        }

    def issue_comments(self, number: int) -> list[str]:
        return [c["body"] for c in self.comments.values() if c["_number"] == number]

    def _comment(
        self, comment_id: int, number: int, body: str, login: str, user_type: str
    ) -> dict[str, Any]:
        return {
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "url": f"{self.api_url}/repos/{self.repository}/issues/comments/{comment_id}",
            "html_url": (
                f"{self.server_url}/{self.repository}/"
                f"{'issues' if number in self.issues else 'pull'}/{number}"
                f"#issuecomment-{comment_id}"
            ),
            "issue_url": f"{self.api_url}/repos/{self.repository}/issues/{number}",
            "body": body,
            "user": {"login": login, "id": 41898282, "type": user_type},
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "author_association": "NONE",
            "performed_via_github_app": None,
            "_number": number,
        }

    @staticmethod
    def _public(item: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in item.items() if not key.startswith("_")}

    def _dispatch(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        url = urlsplit(request.url or "")
        path = url.path.removeprefix(self._prefix)
        method = request.method or "GET"
        for failure in self._failures:
            if failure.times > 0 and failure.method == method and failure.path.search(path):
                failure.times -= 1
                if failure.then is not None:
                    failure.then()
                return failure.status, failure.headers, json.dumps(failure.body)
        raw = request.body.decode() if isinstance(request.body, bytes) else request.body
        body = json.loads(raw) if raw else None
        if url.path == self._graphql:
            return self._graphql_answer(body)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        repo = f"/repos/{self.repository}"
        routes: list[tuple[str, str, Any]] = [
            ("GET", rf"^{repo}/issues/(\d+)/comments$", self._list_comments),
            ("POST", rf"^{repo}/issues/(\d+)/comments$", self._create_comment),
            ("PATCH", rf"^{repo}/issues/comments/(\d+)$", self._edit_comment),
            ("DELETE", rf"^{repo}/issues/comments/(\d+)$", self._delete_comment),
            ("POST", rf"^{repo}/check-runs$", self._create_check),
            ("PATCH", rf"^{repo}/check-runs/(\d+)$", self._update_check),
            ("POST", rf"^{repo}/statuses/([0-9a-f]{{40}})$", self._create_status),
            ("GET", rf"^{repo}/pulls/(\d+)/files$", self._pull_files),
            ("GET", rf"^{repo}/pulls/(\d+)/commits$", self._pull_commits),
            ("GET", rf"^{repo}/pulls/(\d+)$", self._pull),
            ("GET", rf"^{repo}/issues$", self._list_issues),
            ("POST", rf"^{repo}/issues$", self._create_issue),
            ("PATCH", rf"^{repo}/issues/(\d+)$", self._edit_issue),
            ("GET", r"^/user$", self._user),
        ]
        for verb, pattern, handler in routes:
            match = re.match(pattern, path)
            if verb == method and match:
                return handler(path, query, body, *match.groups())
        return 404, {}, json.dumps({"message": "Not Found"})

    def _page(
        self, path: str, query: dict[str, str], items: list[Any]
    ) -> tuple[int, dict[str, str], str]:
        per_page = int(query.get("per_page", "30"))
        page = int(query.get("page", "1"))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers: dict[str, str] = {}
        last = max(1, -(-len(items) // per_page))
        if page < last:
            kept = {key: value for key, value in query.items() if key != "page"}
            base = f"{self.api_url}{path}?{urlencode({**kept, 'per_page': per_page})}"
            headers["Link"] = (
                f'<{base}&page={page + 1}>; rel="next", <{base}&page={last}>; rel="last"'
            )
        return 200, headers, json.dumps(chunk)

    def _list_comments(self, path: str, query: dict[str, str], body: Any, number: str) -> Any:
        items = [self._public(c) for c in self.comments.values() if c["_number"] == int(number)]
        return self._page(path, query, items)

    @staticmethod
    def _too_long(resource: str, limit: int) -> tuple[int, dict[str, str], str]:
        error = {
            "resource": resource,
            "code": "custom",
            "field": "body",
            "message": f"body is too long (maximum is {limit} characters)",
        }
        return 422, {}, json.dumps({"message": "Validation Failed", "errors": [error]})

    def _create_comment(self, path: str, query: dict[str, str], body: Any, number: str) -> Any:
        if len(body["body"]) > 65_536:
            return self._too_long("IssueComment", 65_536)
        comment_id = self._new_id()
        login, kind = self._author()
        self.comments[comment_id] = self._comment(
            comment_id, int(number), body["body"], login, kind
        )
        return 201, {}, json.dumps(self._public(self.comments[comment_id]))

    def _edit_comment(self, path: str, query: dict[str, str], body: Any, comment_id: str) -> Any:
        comment = self.comments.get(int(comment_id))
        if comment is None:
            return 404, {}, json.dumps({"message": "Not Found"})
        if len(body["body"]) > 65_536:
            return self._too_long("IssueComment", 65_536)
        comment["body"] = body["body"]
        return 200, {}, json.dumps(self._public(comment))

    def _delete_comment(self, path: str, query: dict[str, str], body: Any, comment_id: str) -> Any:
        if self.comments.pop(int(comment_id), None) is None:
            return 404, {}, json.dumps({"message": "Not Found"})
        return 204, {}, ""

    def _check_output(self, run: dict[str, Any], output: dict[str, Any]) -> Any:
        annotations = output.get("annotations", [])
        if len(annotations) > 50:
            return 422, {}, json.dumps({"message": "Only 50 annotations may be sent at a time"})
        if len(output.get("summary", "")) > 65_535:
            return self._too_long("CheckRun", 65_535)
        run["output"] = {key: value for key, value in output.items() if key != "annotations"}
        run["_annotations"].extend(annotations)
        run["output"]["annotations_count"] = len(run["_annotations"])
        return None

    def _create_check(self, path: str, query: dict[str, str], body: Any) -> Any:
        run_id = self._new_id()
        run = {
            "id": run_id,
            "url": f"{self.api_url}/repos/{self.repository}/check-runs/{run_id}",
            "html_url": f"{self.server_url}/{self.repository}/runs/{run_id}",
            "name": body["name"],
            "head_sha": body["head_sha"],
            "status": body.get("status"),
            "conclusion": body.get("conclusion"),
            "_annotations": [],
        }
        problem = self._check_output(run, body.get("output", {}))
        if problem is not None:
            return problem
        self.check_runs[run_id] = run
        return 201, {}, json.dumps(self._public(run))

    def _update_check(self, path: str, query: dict[str, str], body: Any, run_id: str) -> Any:
        run = self.check_runs.get(int(run_id))
        if run is None:
            return 404, {}, json.dumps({"message": "Not Found"})
        problem = self._check_output(run, body.get("output", {}))
        if problem is not None:
            return problem
        return 200, {}, json.dumps(self._public(run))

    def _create_status(self, path: str, query: dict[str, str], body: Any, sha: str) -> Any:
        if len(body.get("description", "")) > 140:
            return 422, {}, json.dumps({"message": "description is too long (maximum is 140)"})
        self.statuses.append({"sha": sha, **body})
        return 201, {}, json.dumps({"id": self._new_id(), "state": body["state"], **body})

    def _pull_files(self, path: str, query: dict[str, str], body: Any, number: str) -> Any:
        return self._page(path, query, self.pr_files.get(int(number), [])[:3000])

    def _pull_commits(self, path: str, query: dict[str, str], body: Any, number: str) -> Any:
        return self._page(path, query, self.pr_commits.get(int(number), [])[:250])

    def _pull(self, path: str, query: dict[str, str], body: Any, number: str) -> Any:
        pull = self.pulls.get(int(number))
        if pull is None:
            return 404, {}, json.dumps({"message": "Not Found"})
        return 200, {}, json.dumps(pull)

    def _graphql_answer(self, body: Any) -> tuple[int, dict[str, str], str]:
        """Only the query the gate sends: who the token is."""
        if "viewer" not in str((body or {}).get("query", "")):
            return 200, {}, json.dumps({"errors": [{"message": "unexpected query"}]})
        login = self.viewer_login or self._author()[0]
        return 200, {}, json.dumps({"data": {"viewer": {"login": login}}})

    def _author(self) -> tuple[str, str]:
        """The login and account type of what this token creates."""
        return (self.user_login, "User") if self.user_login else (self.bot_login, "Bot")

    def _list_issues(self, path: str, query: dict[str, str], body: Any) -> Any:
        wanted = [name for name in query.get("labels", "").split(",") if name]
        state = query.get("state", "open")
        items = [
            issue
            for issue in sorted(self.issues.values(), key=lambda item: -item["number"])
            if (state == "all" or issue["state"] == state)
            and all(name in {label["name"] for label in issue["labels"]} for name in wanted)
        ]
        return self._page(path, query, items)

    def _create_issue(self, path: str, query: dict[str, str], body: Any) -> Any:
        if len(body.get("body") or "") > 65_536:
            return self._too_long("Issue", 65_536)
        number = self._new_number()
        issue = self._issue(
            number, body["title"], body.get("body") or "", body.get("labels", []), *self._author()
        )
        self.issues[number] = issue
        return 201, {}, json.dumps(issue)

    def _edit_issue(self, path: str, query: dict[str, str], body: Any, number: str) -> Any:
        issue = self.issues.get(int(number))
        if issue is None:
            return 404, {}, json.dumps({"message": "Not Found"})
        for key in ("title", "body"):
            if key in body:
                issue[key] = body[key]
        if "state" in body:
            issue["state"] = body["state"]
            issue["state_reason"] = body.get("state_reason")
            closed = body["state"] == "closed"
            issue["closed_at"] = "2026-01-02T00:00:00Z" if closed else None
        return 200, {}, json.dumps(issue)

    def _user(self, path: str, query: dict[str, str], body: Any) -> Any:
        if self.user_login is None:
            return 403, {}, json.dumps({"message": FORBIDDEN})
        return 200, {}, json.dumps({"login": self.user_login, "id": 1, "type": "User"})


def api_file(
    filename: str, status: str = "modified", previous: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sha": "b" * 40,
        "filename": filename,
        "status": status,
        "additions": 1,
        "deletions": 0,
        "changes": 1,
    }
    if previous is not None:
        item["previous_filename"] = previous
    return item


def api_commit(
    sha: str,
    message: str,
    *,
    author: str = "Dana Developer",
    email: str = "dana@example.com",
    parents: int = 1,
) -> dict[str, Any]:
    person = {"name": author, "email": email, "date": "2026-01-01T00:00:00Z"}
    return {
        "sha": sha,
        "url": f"{API}/repos/{REPO}/commits/{sha}",
        "commit": {"author": person, "committer": person, "message": message},
        "parents": [{"sha": "c" * 40} for _ in range(parents)],
    }
