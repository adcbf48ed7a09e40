"""A generated git history for the ledger, with figures simple enough to work out by hand.

`build_history(root, plans=P)` writes 25 commits per plan with `git fast-import` (fast enough
for the 10,000-commit benchmark, which imports this module too):

1. the plan (5 slices, Medium/medium, status in-progress) and its estimate: each slice 100,000
   tokens (prompt 80,000 + completion 20,000), 80,000 of them in IMPLEMENT and 20,000 in VERIFY,
   HEURISTIC for an even plan number, MANUAL for an odd one;
2. 20 usage reports, in rounds: slice 1..5's first IMPLEMENT run, then their second IMPLEMENT
   run, then two VERIFY runs; an IMPLEMENT run spends 40,000·u tokens and a VERIFY run
   10,000·u, so a finished slice spends exactly u × its estimate, in total and in each phase;
3. three commits that touch only code;
4. the plan marked done.

u comes from `UTILISATION[plan % 4][slice]`. Every run of a plan is by one agent
(`AGENTS[plan % 3]`), reports its cost as $5 per million tokens, and splits its tokens 80/20
into prompt and completion. Commit n (0-based) is authored on day 1 + (n % 50) // 2 of month
2025-01 + n // 50, so each month holds two whole plans.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gitrepo import isolated_git_env

UTILISATION = (
    (0.5, 0.7, 0.9, 1.25, 1.6),
    (0.6, 0.7, 0.8, 0.9, 1.1),
    (0.5, 0.6, 0.7, 0.75, 0.8),
    (0.7, 0.9, 1.25, 1.6, 2.0),
)
AGENTS = (
    ("claude-code", "claude-sonnet-4-5"),
    ("codex", "gpt-5-codex"),
    ("openhands", "claude-sonnet-4-5"),
)
SLICES = 5
ESTIMATE_TOKENS = 100_000
USD_PER_TOKEN = 5 / 1_000_000
COMMITS_PER_PLAN = 25
COMMITS_PER_MONTH = 50


def utilisation(plan: int, slice_index: int) -> float:
    return UTILISATION[plan % 4][slice_index]


def method(plan: int) -> str:
    return "HEURISTIC" if plan % 2 == 0 else "MANUAL"


def commit_time(n: int) -> int:
    """Author time of commit n (0-based), seconds since the epoch."""
    month = n // COMMITS_PER_MONTH
    year, month_of_year = 2025 + month // 12, 1 + month % 12
    day = 1 + (n % COMMITS_PER_MONTH) // 2
    moment = datetime(year, month_of_year, day, 9 + n % 2, 0, tzinfo=UTC)
    return int(moment.timestamp())


def month_of(n: int) -> str:
    return datetime.fromtimestamp(commit_time(n), tz=UTC).strftime("%Y-%m")


@dataclass(frozen=True, slots=True)
class Commit:
    message: str
    files: dict[str, str]


def plan_id(plan: int) -> str:
    return f"GEN-{plan:04d}"


def _plan_file(plan: int, status: str) -> str:
    slices = "".join(
        f'  - slice_id: S{s + 1}\n    paths: ["src/gen{plan:04d}/s{s + 1}/**"]\n'
        for s in range(SLICES)
    )
    return (
        f"plan_id: {plan_id(plan)}\nstatus: {status}\nenvironment: MVP\ncomplexity: Medium\n"
        f"importance: medium\nslices:\n{slices}"
    )


def _estimates(plan: int) -> str:
    rows = "".join(
        f"  - plan_id: {plan_id(plan)}\n    slice_id: S{s + 1}\n    estimated_requests: 20\n"
        "    estimated_prompt_tokens: 80000\n    estimated_completion_tokens: 20000\n"
        f"    estimation_method: {method(plan)}\n    estimation_owner: planner\n"
        "    estimation_timestamp: 2025-01-01T00:00:00Z\n"
        "    phases:\n"
        "      IMPLEMENT: {requests: 16, prompt_tokens: 64000, completion_tokens: 16000}\n"
        "      VERIFY: {requests: 4, prompt_tokens: 16000, completion_tokens: 4000}\n"
        for s in range(SLICES)
    )
    return f"estimates:\n{rows}"


def _report(plan: int, slice_index: int, number: int, n: int) -> tuple[str, str]:
    u = utilisation(plan, slice_index)
    phase, share = ("IMPLEMENT", 40_000) if number < 2 else ("VERIFY", 10_000)
    total = round(share * u)
    prompt = total * 4 // 5
    agent, model = AGENTS[plan % 3]
    run_id = f"gen-{plan:04d}-s{slice_index + 1}-{number + 1}"
    stamp = datetime.fromtimestamp(commit_time(n), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = (
        f"run_id: {run_id}\nplan_id: {plan_id(plan)}\nslice_id: S{slice_index + 1}\n"
        f"agent_id: {agent}\nmodel: {model}\nactual_requests: 5\n"
        f"actual_prompt_tokens: {prompt}\nactual_completion_tokens: {total - prompt}\n"
        f"actual_total_tokens: {total}\nduration_seconds: 60\nstatus: PASS\n"
        f"report_timestamp: {stamp}\nphase: {phase}\n"
        f"actual_cost_usd: {round(total * USD_PER_TOKEN, 6)}\ncost_source: reported\n"
    )
    return f"plans/{plan_id(plan)}/usage/{run_id}.yaml", text


def commits(plans: int, *, first: int = 0) -> Iterator[Commit]:
    """The commits of plans `first` … `plans - 1`."""
    n = first * COMMITS_PER_PLAN
    for plan in range(first, plans):
        home = f"plans/{plan_id(plan)}"
        yield Commit(
            f"Plan {plan_id(plan)}",
            {
                f"{home}/plan.yaml": _plan_file(plan, "in-progress"),
                f"{home}/estimation.yaml": _estimates(plan),
            },
        )
        n += 1
        for number in range(4):
            for s in range(SLICES):
                path, text = _report(plan, s, number, n)
                yield Commit(f"Usage {path.rsplit('/', 1)[1]}", {path: text})
                n += 1
        for k in range(3):
            yield Commit(f"Code {plan} {k}", {f"src/gen{plan:04d}/s1/code{k}.py": f"x = {k}\n"})
            n += 1
        yield Commit(f"Done {plan_id(plan)}", {f"{home}/plan.yaml": _plan_file(plan, "done")})
        n += 1


def late_report(*, slice_id: str = "S2", phase: str = "VERIFY") -> str:
    """One more usage report for GEN-0000 (10,000 tokens, estimated ones), landing after the
    generated history."""
    return (
        f"run_id: late-run\nplan_id: GEN-0000\nslice_id: {slice_id}\nagent_id: codex\n"
        "actual_requests: 3\nactual_prompt_tokens: 8000\nactual_completion_tokens: 2000\n"
        "actual_total_tokens: 10000\nduration_seconds: 30\nstatus: PASS\n"
        f"report_timestamp: 2026-01-01T10:00:00Z\nphase: {phase}\ntokens_estimated: true\n"
    )


def fast_import_stream(
    items: Iterator[Commit], *, start: int = 0, parent: str | None = None
) -> bytes:
    """A `git fast-import` stream of `items` on refs/heads/main, commit numbers from `start`."""
    out: list[bytes] = []
    for offset, item in enumerate(items):
        n = start + offset
        stamp = f"{commit_time(n)} +0000"
        message = item.message.encode() + b"\n"
        out.append(b"commit refs/heads/main\n")
        out.append(f"author Gen Author <gen@example.com> {stamp}\n".encode())
        out.append(f"committer Gen Committer <gen@example.com> {stamp}\n".encode())
        out.append(b"data %d\n" % len(message) + message)
        if offset == 0 and parent is not None:
            out.append(f"from {parent}\n".encode())
        for path, text in item.files.items():
            data = text.encode()
            out.append(f"M 100644 inline {path}\n".encode())
            out.append(b"data %d\n" % len(data) + data)
        out.append(b"\n")
    return b"".join(out)


def _git(root: Path, *args: str, stdin: bytes | None = None) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), *args],
        input=stdin,
        capture_output=True,
        env=isolated_git_env(),
        check=True,
    )
    return result.stdout.decode().strip()


def build_history(root: Path, *, plans: int) -> str:
    """A repository at `root` holding `plans` × 25 commits; returns the tip's SHA."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "fast-import", "--quiet", stdin=fast_import_stream(commits(plans)))
    return _git(root, "rev-parse", "HEAD")


def extend_history(root: Path, *, plans: int, first: int) -> str:
    """Add plans `first` … `plans - 1` on top of main; returns the tip's SHA."""
    parent = _git(root, "rev-parse", "refs/heads/main")
    stream = fast_import_stream(
        commits(plans, first=first), start=first * COMMITS_PER_PLAN, parent=parent
    )
    _git(root, "fast-import", "--quiet", stdin=stream)
    return _git(root, "rev-parse", "refs/heads/main")


def append_commit(root: Path, *, n: int, files: dict[str, str], message: str = "More") -> str:
    """One more commit (number `n` for its date) on main; returns its SHA."""
    parent = _git(root, "rev-parse", "refs/heads/main")
    stream = fast_import_stream(iter([Commit(message, files)]), start=n, parent=parent)
    _git(root, "fast-import", "--quiet", stdin=stream)
    return _git(root, "rev-parse", "refs/heads/main")
