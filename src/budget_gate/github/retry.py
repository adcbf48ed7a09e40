"""Bounded retries for GitHub's transient answers and rate limits, honouring its headers.

What is retried, at most `TOTAL_RETRIES` times:

- 500/502/503/504 for idempotent methods (GET, PATCH, PUT, DELETE): a POST that timed out may
  have created its comment or check run, so it is not sent twice;
- a rate-limited 403 or 429, for every method (GitHub did not process it), waiting as GitHub's
  docs say: `retry-after` seconds; else, when `x-ratelimit-remaining` is 0, until
  `x-ratelimit-reset`; else, for a 429, a minute. A 403 with neither header is a permission
  answer and comes back at once. A wait longer than `MAX_RATE_LIMIT_WAIT` is not waited: GitHub's
  answer comes back, so a run never hangs for an hour on a spent quota.

The wait happens inside `increment()` rather than urllib3's `sleep()` hook (which is a no-op
here), so it is the same whatever drives the retry — urllib3 in production, `responses` in
tests — and tests observe it by patching `time.sleep`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

TOTAL_RETRIES = 4
BACKOFF_FACTOR = 1.0
"""urllib3's exponential backoff: the first retry at once, then 2, 4, 8 s."""
MAX_BACKOFF = 30.0
MAX_RATE_LIMIT_WAIT = 120.0
SECONDARY_LIMIT_WAIT = 60.0
"""GitHub: when a secondary limit gives no header, wait at least a minute."""

SERVER_ERRORS = frozenset({500, 502, 503, 504})
RATE_LIMIT_STATUSES = frozenset({403, 429})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value.strip()
    return None


def rate_limit_wait(status: int, headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds to wait before retrying a rate-limited answer; None when it is not one."""
    if status not in RATE_LIMIT_STATUSES:
        return None
    retry_after = _header(headers, "retry-after")
    if retry_after:
        if retry_after.isdigit():
            return float(retry_after)
        try:
            return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
        except (TypeError, ValueError):
            pass
    reset = _header(headers, "x-ratelimit-reset")
    if _header(headers, "x-ratelimit-remaining") == "0" and reset and reset.isdigit():
        return max(0.0, int(reset) - now) + 1.0  # the reset happens somewhere in that second
    if status == 429:
        return SECONDARY_LIMIT_WAIT
    return None


class GitHubRetry(Retry):
    """urllib3's Retry with GitHub's rate-limit rules (see the module docstring)."""

    def __init__(self, *, max_rate_limit_wait: float = MAX_RATE_LIMIT_WAIT, **kwargs: Any) -> None:
        kwargs.setdefault("total", TOTAL_RETRIES)
        kwargs.setdefault("backoff_factor", BACKOFF_FACTOR)
        kwargs.setdefault("backoff_max", MAX_BACKOFF)
        kwargs.setdefault("allowed_methods", IDEMPOTENT_METHODS)
        kwargs.setdefault("status_forcelist", SERVER_ERRORS)
        kwargs.setdefault("raise_on_status", False)  # the last answer goes back to PyGithub
        super().__init__(**kwargs)
        self.max_rate_limit_wait = max_rate_limit_wait

    def new(self, **kw: Any) -> Self:
        kw.setdefault("max_rate_limit_wait", self.max_rate_limit_wait)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code in RATE_LIMIT_STATUSES:
            return True  # increment() reads the headers and gives up on a plain 403
        return method.upper() in IDEMPOTENT_METHODS and status_code in SERVER_ERRORS

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        wait: float | None = None
        if response is not None and response.status in RATE_LIMIT_STATUSES:
            wait = rate_limit_wait(response.status, dict(response.headers), now=time.time())
            if wait is None or wait > self.max_rate_limit_wait:
                cause = ResponseError.SPECIFIC_ERROR.format(status_code=response.status)
                raise MaxRetryError(_pool, url or "", ResponseError(cause))  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if wait is None:
            wait = retry.get_backoff_time()
        if wait > 0:
            time.sleep(wait)
        return retry

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Already waited in `increment()`."""
