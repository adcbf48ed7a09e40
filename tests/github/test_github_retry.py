"""Retries: GitHub's rate-limit headers honoured, bounded, and nothing retried that may repeat."""

from __future__ import annotations

import pytest
from urllib3.exceptions import MaxRetryError
from urllib3.response import HTTPResponse

from budget_gate.github.retry import MAX_RATE_LIMIT_WAIT, GitHubRetry, rate_limit_wait

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("status", "headers", "wait"),
    [
        (403, {"Retry-After": "7"}, 7.0),
        (429, {"retry-after": "30"}, 30.0),
        (403, {"Retry-After": "Tue, 14 Nov 2023 22:13:40 GMT"}, 20.0),  # NOW + 20 s
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 42)}, 43.0),
        (429, {}, 60.0),  # a secondary limit without headers: at least a minute
        (403, {}, None),  # a permission answer, not a rate limit
        (403, {"x-ratelimit-remaining": "12", "x-ratelimit-reset": str(int(NOW) + 42)}, None),
        (502, {"Retry-After": "7"}, None),
    ],
)
def test_the_wait_follows_githubs_headers(
    status: int, headers: dict[str, str], wait: float | None
) -> None:
    assert rate_limit_wait(status, headers, now=NOW) == wait


def _answer(status: int, headers: dict[str, str] | None = None) -> HTTPResponse:
    return HTTPResponse(body=b"{}", headers=headers or {}, status=status, preload_content=True)


def test_a_retry_after_is_waited_before_the_next_try(slept: list[float]) -> None:
    retry = GitHubRetry()
    answer = _answer(403, {"Retry-After": "7"})

    assert retry.is_retry("POST", 403, has_retry_after=True)
    after = retry.increment("POST", "/repos/o/r/check-runs", response=answer)

    assert slept == [7.0]
    assert after.total == retry.total - 1  # type: ignore[operator]


def test_a_plain_403_comes_back_at_once(slept: list[float]) -> None:
    with pytest.raises(MaxRetryError):
        GitHubRetry().increment("POST", "/x", response=_answer(403))
    assert slept == []


def test_a_wait_beyond_the_limit_is_not_waited(slept: list[float]) -> None:
    long_wait = {"Retry-After": str(int(MAX_RATE_LIMIT_WAIT) + 1)}
    with pytest.raises(MaxRetryError):
        GitHubRetry().increment("GET", "/x", response=_answer(429, long_wait))
    assert slept == []


def test_server_errors_are_retried_for_idempotent_methods_only() -> None:
    retry = GitHubRetry()
    assert retry.is_retry("GET", 502) and retry.is_retry("PATCH", 503)
    assert not retry.is_retry("POST", 502)  # it may have created the comment already
    assert not retry.is_retry("GET", 404)


def test_retries_are_bounded(slept: list[float]) -> None:
    retry = GitHubRetry()
    tries = 0
    with pytest.raises(MaxRetryError):
        while True:
            retry = retry.increment("GET", "/x", response=_answer(502))
            tries += 1
    assert tries == 4
    assert slept == [2.0, 4.0, 8.0]  # the first retry at once, then exponential backoff
