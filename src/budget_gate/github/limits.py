"""GitHub's own limits, in one place, named after what they limit."""

from __future__ import annotations

COMMENT_MAX_CHARS = 65_536
"""An issue or PR comment body (GitHub answers 422 "Body is too long" beyond it)."""

CHECK_SUMMARY_MAX_CHARS = 65_535
"""`output.summary` of a check run."""

CHECK_TITLE_MAX_CHARS = 255
"""`output.title` of a check run (and an annotation's `title`)."""

ANNOTATIONS_PER_REQUEST = 50
"""Annotations one create or update of a check run may carry; more take further updates."""

MAX_ANNOTATIONS = 1_000
"""Our own cap (20 requests): GitHub shows only the first annotations in a PR's diff anyway,
and every one of them is also listed in the check run's summary."""

ANNOTATION_MESSAGE_MAX_CHARS = 64_000
"""An annotation's `message` (GitHub: 64 KB)."""

STATUS_DESCRIPTION_MAX_CHARS = 140
"""A commit status's `description`."""

PR_FILES_MAX = 3_000
"""`GET /pulls/{n}/files` lists at most this many files, however many the PR changes."""

PR_COMMITS_MAX = 250
"""`GET /pulls/{n}/commits` lists at most this many commits."""

PER_PAGE = 100
"""The largest page GitHub serves for the list endpoints we use."""

STEP_SUMMARY_MAX_CHARS = 250_000
"""Our budget for the job summary: GitHub accepts 1 MiB per step, in bytes (≤ 4 per char)."""
