"""Artifacts for the end-to-end tests: record texts and the payments repository.

Each record builder writes one record with a fixed field order, so a test can count lines by hand:
a single estimate has `plan_id` on line 1, `slice_id` on 2, `estimated_requests` on 3 and
`estimated_prompt_tokens` on 4; in an `estimates:` list (see `records`) record k (from 0)
starts on line 2 + 8k. A usage report has `run_id` on line 1, `plan_id` 2, `slice_id` 3.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitrepo import GitRepoBuilder

HUMAN = "Dana Developer <dana@example.com>"
CLAUDE = "Claude <noreply@anthropic.com>"


def estimate(
    plan_id: str,
    slice_id: str,
    *,
    requests: int,
    prompt: int,
    completion: int,
    method: str = "MANUAL",
) -> str:
    return (
        f"plan_id: {plan_id}\n"
        f"slice_id: {slice_id}\n"
        f"estimated_requests: {requests}\n"
        f"estimated_prompt_tokens: {prompt}\n"
        f"estimated_completion_tokens: {completion}\n"
        f"estimation_method: {method}\n"
        "estimation_owner: ana.planner\n"
        "estimation_timestamp: 2025-05-01T09:00:00Z\n"
    )


def usage(
    run_id: str,
    plan_id: str,
    slice_id: str,
    *,
    requests: int,
    prompt: int,
    completion: int,
    status: str = "PASS",
    agent: str = "claude-code",
    commits: Sequence[str] = (),
) -> str:
    text = (
        f"run_id: {run_id}\n"
        f"plan_id: {plan_id}\n"
        f"slice_id: {slice_id}\n"
        f"agent_id: {agent}\n"
        f"actual_requests: {requests}\n"
        f"actual_prompt_tokens: {prompt}\n"
        f"actual_completion_tokens: {completion}\n"
        f"actual_total_tokens: {prompt + completion}\n"
        "duration_seconds: 300\n"  # two runs stay within a Medium slice's 766 s latency budget
        f"status: {status}\n"
        "report_timestamp: 2025-05-02T10:00:00Z\n"
    )
    if commits:
        text += f"commits: [{', '.join(commits)}]\n"
    return text


def records(key: str, *items: str) -> str:
    """Several records in one file: `estimates:` or `reports:` with a list of mappings."""
    lines = [f"{key}:"]
    for item in items:
        body = item.splitlines()
        lines.append(f"  - {body[0]}")
        lines.extend(f"    {line}" for line in body[1:])
    return "\n".join(lines) + "\n"


def plan(plan_id: str, *slices: tuple[str, str | None, str], status: str = "in-progress") -> str:
    """A plan.yaml; each slice is (slice_id, status or None, one owned glob).

    Lines: `plan_id` 1, `status` 2, `slices:` 3, slice k (from 0) starts on line 4 + 3k when it
    has a status, so tests that need exact lines give every slice a status.
    """
    lines = [f"plan_id: {plan_id}", f"status: {status}", "slices:"]
    for slice_id, slice_status, glob in slices:
        lines.append(f"  - slice_id: {slice_id}")
        if slice_status is not None:
            lines.append(f"    status: {slice_status}")
        lines.append(f'    paths: ["{glob}"]')
    return "\n".join(lines) + "\n"


# -- the payments repository: a plan with four slices and a pull request with gaps -------------

# Line numbers matter: S1 is declared on line 7, S2 on 11, S3 on 14, S4 on 18.
PAY_PLAN = """\
---
plan_id: PAY-01
title: Payments
status: in-progress
environment: MVP
slices:
  - slice_id: S1
    title: Payment API
    status: done
    paths: ["src/pay/api/**"]
  - slice_id: S2
    title: Ledger
    paths: ["src/pay/ledger/**"]
  - slice_id: S3
    title: Guide
    status: ready-for-build
    paths: ["docs/pay/**"]
  - slice_id: S4
    title: Exports
    status: approved
    paths: ["src/pay/export/**"]
---

# Payments

Take card payments, book them in a ledger, document it.
"""
PLAN_PATH = "plans/PAY-01/plan.md"
ESTIMATES_PATH = "plans/PAY-01/estimation.yaml"
# S1: 20 requests, 120,000 tokens; S2: 10 requests, 50,000 tokens; S4: 5 requests, 25,000.
PAY_ESTIMATES = records(
    "estimates",
    estimate("PAY-01", "S1", requests=20, prompt=100_000, completion=20_000),
    estimate("PAY-01", "S2", requests=10, prompt=40_000, completion=10_000),
    estimate("PAY-01", "S4", requests=5, prompt=20_000, completion=5_000),
)


def payments_base(repo: GitRepoBuilder) -> str:
    """main: the plan, its estimates, one reported run for S1, and the code each slice owns."""
    repo.write_many(
        {
            PLAN_PATH: PAY_PLAN,
            ESTIMATES_PATH: PAY_ESTIMATES,
            "plans/PAY-01/usage/run-s1-01.yaml": usage(
                "run-s1-01", "PAY-01", "S1", requests=10, prompt=50_000, completion=10_000
            ),
            "src/pay/api/handler.py": "def pay():\n    pass\n",
            "src/pay/ledger/book.py": "LEDGER = []\n",
            "src/pay/export/csv.py": "def export():\n    pass\n",
            "docs/pay/guide.md": "# Paying\n",
            "README.md": "payments\n",
        }
    )
    return repo.commit("Payments plan and skeleton")


def payments_pr(repo: GitRepoBuilder) -> dict[str, str]:
    """A PR on `feature`: a reported run on S1, an agent commit on S2, an unreported run on S3."""
    repo.branch("feature")
    repo.write("src/pay/api/handler.py", "def pay(amount):\n    return amount\n")
    repo.write(
        "plans/PAY-01/usage/run-s1-02.yaml",
        usage("run-s1-02", "PAY-01", "S1", requests=8, prompt=40_000, completion=8_000),
    )
    reported = repo.commit(
        "Validate amounts",
        author=HUMAN,
        trailers=[("Plan-Slice", "PAY-01/S1"), ("Agent-Run", "run-s1-02")],
    )
    repo.write("src/pay/ledger/book.py", "LEDGER: list[int] = []\n")
    agent = repo.commit(
        "Type the ledger",
        author=HUMAN,
        trailers=[("Plan-Slice", "PAY-01/S2"), ("Co-authored-by", CLAUDE)],
    )
    repo.write("docs/pay/guide.md", "# Paying\n\nCall pay(amount).\n")
    unreported = repo.commit(
        "Document pay()",
        author=HUMAN,
        trailers=[("Plan-Slice", "PAY-01/S3"), ("Agent-Run", "run-s3-01")],
    )
    return {"reported": reported, "agent": agent, "unreported": unreported}
