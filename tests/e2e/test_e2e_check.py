"""End to end: `budget-gate check` on real git histories, run as a subprocess (§4, §5, §7).

A realistic pull request, merge-base semantics, audits and IDs. Every expectation is worked out
by hand from the files each test writes (see e2e_artifacts.py for the payments repository).
"""

from __future__ import annotations

import pytest

from e2e_artifacts import (
    CLAUDE,
    ESTIMATES_PATH,
    HUMAN,
    PAY_PLAN,
    PLAN_PATH,
    estimate,
    payments_base,
    payments_pr,
    usage,
)
from e2e_support import Cli, check_json, counts, finding_rows, pick, scope_of, slice_named
from gitrepo import GitRepoBuilder

pytestmark = pytest.mark.e2e

# -- 1. a realistic pull request ----------------------------------------------------------------


def test_a_pull_request_puts_the_touched_slices_in_scope_with_their_reasons(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    base = payments_base(repo)
    payments_pr(repo)

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 1
    assert report["kind"] == "pull-request"
    assert report["base"] == base
    assert report["head"] == repo.rev("feature")
    assert report["notes"] == []
    # S4 (exports) is untouched, so it is not in scope.
    assert scope_of(report) == {
        "PAY-01/S1": ["agent-run", "owned-path-changed", "plan-slice-trailer", "record-changed"],
        "PAY-01/S2": ["owned-path-changed", "plan-slice-trailer"],
        "PAY-01/S3": ["owned-path-changed", "plan-slice-trailer"],
    }


def test_a_pull_request_with_gaps_fails_with_each_finding_where_it_belongs(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    commits = payments_pr(repo)

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 1
    assert report["verdict"] == "fail"
    assert finding_rows(report) == [
        # S2 is in-progress (inherited), its code changed, and no run reported on it.
        ("missing-usage-report", "error", PLAN_PATH, 11, "PAY-01", "S2"),
        # S3 is ready-for-build without an estimate, and an agent run named it.
        ("missing-estimate", "error", PLAN_PATH, 14, "PAY-01", "S3"),
        ("missing-usage-report", "error", PLAN_PATH, 14, "PAY-01", "S3"),
        ("unreported-agent-run", "error", None, None, "PAY-01", "S3"),
        # Claude co-authored the S2 commit, which names no run.
        ("untracked-agent-commit", "warning", None, None, "PAY-01", "S2"),
    ]
    by_code = {item["code"]: item for item in report["findings"]}
    assert "run-s3-01" in by_code["unreported-agent-run"]["message"]
    assert commits["unreported"][:7] in by_code["unreported-agent-run"]["message"]
    assert by_code["unreported-agent-run"]["fix"] == (
        "add a usage report with run_id run-s3-01 for PAY-01/S3 to "
        "plans/PAY-01/usage/run-s3-01.yaml"
    )
    assert commits["agent"][:7] in by_code["untracked-agent-commit"]["message"]
    assert "Claude" not in by_code["untracked-agent-commit"]["message"]  # the author is Dana


def test_a_pull_request_sums_every_run_of_a_slice_against_its_estimate(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    payments_pr(repo)

    _, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    s1 = slice_named(report, "PAY-01/S1")
    # run-s1-01 (on main) 10 req / 60,000 tok + run-s1-02 (in the PR) 8 req / 48,000 tok.
    assert s1["run_ids"] == ["run-s1-01", "run-s1-02"]
    assert counts(s1["estimate"]) == {"requests": 20, "tokens": 120_000}
    assert counts(s1["actual"]) == {"requests": 18, "tokens": 108_000}
    assert pick(s1["variance"], "requests", "tokens", "ratio", "request_ratio") == {
        "requests": -2,
        "tokens": -12_000,
        "ratio": -0.1,
        "request_ratio": -0.1,
    }
    assert s1["runs"] == {"pass": 2, "fail": 0, "blocked": 0, "total": 2}
    assert s1["estimate_path"] == ESTIMATES_PATH
    s3 = slice_named(report, "PAY-01/S3")
    assert counts(s3["estimate"]) == {"requests": None, "tokens": None}
    assert s3["variance"]["ratio"] is None
    # Totals: estimates of S1 + S2 (S3 has none) against the runs of S1.
    assert counts(report["totals"]["estimate"]) == {"requests": 30, "tokens": 170_000}
    assert counts(report["totals"]["actual"]) == {"requests": 18, "tokens": 108_000}
    assert report["totals"]["variance"]["tokens"] == -62_000


def test_adding_the_missing_records_makes_the_same_pull_request_pass(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    commits = payments_pr(repo)
    # The S3 estimate goes to the shared estimation file, the S2 report names the agent commit.
    repo.write_many(
        {
            "docs/artifacts/plan-resource-estimation.yaml": estimate(
                "PAY-01", "S3", requests=6, prompt=20_000, completion=5_000
            ),
            "plans/PAY-01/usage/run-s3-01.yaml": usage(
                "run-s3-01", "PAY-01", "S3", requests=5, prompt=18_000, completion=4_000
            ),
            "plans/PAY-01/usage/run-s2-01.yaml": usage(
                "run-s2-01",
                "PAY-01",
                "S2",
                requests=9,
                prompt=36_000,
                completion=9_000,
                commits=[commits["agent"][:10]],
            ),
        }
    )
    repo.commit("Add the missing budget records", author=HUMAN)

    result = cli("check", "--repo", repo.root, "--base", "main", "--head", "feature")

    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("✅ Plan Budget Gate: pass — no findings\n")
    report = check_json(cli, repo, "--base", "main", "--head", "feature")[1]
    assert report["verdict"] == "pass"
    assert report["findings"] == []
    assert scope_of(report) == {
        "PAY-01/S1": ["agent-run", "owned-path-changed", "plan-slice-trailer", "record-changed"],
        "PAY-01/S2": ["owned-path-changed", "plan-slice-trailer", "record-changed"],
        "PAY-01/S3": ["agent-run", "owned-path-changed", "plan-slice-trailer", "record-changed"],
    }
    assert slice_named(report, "PAY-01/S3")["estimate_path"] == (
        "docs/artifacts/plan-resource-estimation.yaml"
    )


def test_the_check_runs_from_inside_the_repository_with_default_arguments(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    payments_pr(repo)

    result = cli("check", "--base", "main", "--head", "HEAD", cwd=repo.root)

    assert result.returncode == 1
    assert result.stderr == ""
    assert result.stdout.startswith("❌ Plan Budget Gate: fail — 4 errors, 1 warning\n")
    assert f"{PLAN_PATH}:14: error missing-estimate: PAY-01/S3: " in result.stdout


# -- 2. merge-base semantics ---------------------------------------------------------------------


def test_changes_made_only_on_the_base_after_branching_are_not_in_scope(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.write("src/pay/api/handler.py", "def pay(amount):\n    return amount\n")
    repo.write(
        "plans/PAY-01/usage/run-s1-02.yaml",
        usage("run-s1-02", "PAY-01", "S1", requests=8, prompt=40_000, completion=8_000),
    )
    repo.commit("Validate amounts", trailers=[("Agent-Run", "run-s1-02")])
    # main moves on: the plan, S2's code and an unreported run, none of it in the PR.
    repo.checkout("main")
    repo.write(PLAN_PATH, PAY_PLAN.replace("Take card payments", "Take payments"))
    repo.write("src/pay/ledger/book.py", "LEDGER = ()\n")
    repo.commit(
        "Ledger on main",
        trailers=[("Plan-Slice", "PAY-01/S2"), ("Agent-Run", "run-main-01")],
        author=CLAUDE,
    )

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 0
    assert scope_of(report) == {
        "PAY-01/S1": ["agent-run", "owned-path-changed", "record-changed"],
    }
    assert report["findings"] == []
    # The base recorded in the report is the base ref, as given.
    assert report["base"] == repo.rev("main")


def test_merging_the_base_into_the_branch_does_not_bring_its_changes_into_scope(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.write("src/pay/api/handler.py", "def pay(amount):\n    return amount\n")
    repo.write(
        "plans/PAY-01/usage/run-s1-02.yaml",
        usage("run-s1-02", "PAY-01", "S1", requests=8, prompt=40_000, completion=8_000),
    )
    repo.commit("Validate amounts")
    repo.checkout("main")
    repo.write("src/pay/ledger/book.py", "LEDGER = ()\n")
    repo.commit("Ledger on main", trailers=[("Agent-Run", "run-main-01")], author=CLAUDE)
    repo.checkout("feature")
    repo.merge("main")

    _, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert scope_of(report) == {"PAY-01/S1": ["owned-path-changed", "record-changed"]}
    assert report["findings"] == []


# -- 6. audit -----------------------------------------------------------------------------------


AUDIT_NOTE = (
    "Audit scope: no base was given (or no git history), so every slice in the repository was "
    "checked. Pass --base to check only what a change touches."
)


@pytest.mark.parametrize("with_git", [True, False], ids=["git-repository", "plain-directory"])
def test_an_audit_checks_every_slice_and_says_so(
    cli: Cli, repo: GitRepoBuilder, with_git: bool
) -> None:
    payments_base(repo)
    if not with_git:
        (repo.root / ".git").rename(repo.root.parent / "moved.git")

    result, report = check_json(cli, repo)

    assert result.returncode == 1
    assert report["kind"] == "audit"
    assert report["base"] is None and report["head"] is None
    assert report["notes"] == [AUDIT_NOTE]
    assert scope_of(report) == {
        "PAY-01/S1": ["audit"],
        "PAY-01/S2": ["audit"],
        "PAY-01/S3": ["audit"],
        "PAY-01/S4": ["audit"],
    }
    # An audit judges status, not a change: S2 is in-progress with no report, S3 unestimated.
    assert finding_rows(report) == [
        ("missing-usage-report", "error", PLAN_PATH, 11, "PAY-01", "S2"),
        ("missing-estimate", "error", PLAN_PATH, 14, "PAY-01", "S3"),
    ]
    text = cli("check", "--repo", repo.root)
    assert text.stdout.splitlines()[1] == f"note: {AUDIT_NOTE}"


def test_an_audit_of_a_head_commit_reads_that_commit(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.write(ESTIMATES_PATH, "")  # uncommitted: not part of HEAD

    _, report = check_json(cli, repo, "--head", "HEAD")

    assert report["kind"] == "audit"
    assert report["head"] == repo.head()
    assert counts(slice_named(report, "PAY-01/S1")["estimate"]) == {
        "requests": 20,
        "tokens": 120_000,
    }


# -- 11. IDs stay strings -----------------------------------------------------------------------


def test_ids_that_look_like_booleans_or_numbers_survive_end_to_end(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    repo.write(
        "plans/0012/plan.yaml",
        'plan_id: 0012\nstatus: in-progress\nslices:\n  - slice_id: NO\n    paths: ["src/no/**"]\n'
        '  - slice_id: 1e3\n    paths: ["src/e/**"]\n',
    )
    repo.write(
        "plans/0012/estimation.yaml", estimate("0012", "NO", requests=1, prompt=1, completion=1)
    )
    repo.write("src/no/a.py", "")
    repo.commit("Plan 0012")
    repo.branch("feature")
    repo.write("src/no/a.py", "A = 1\n")
    repo.write("src/e/b.py", "B = 1\n")
    repo.commit("Work", trailers=[("Plan-Slice", "0012/NO")])

    _, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert scope_of(report) == {
        "0012/1e3": ["owned-path-changed"],
        "0012/NO": ["owned-path-changed", "plan-slice-trailer"],
    }
    assert [(s["plan_id"], s["slice_id"]) for s in report["slices"]] == [
        ("0012", "1e3"),
        ("0012", "NO"),
    ]
    assert finding_rows(report) == [
        ("missing-usage-report", "error", "plans/0012/plan.yaml", 4, "0012", "NO"),
        ("missing-estimate", "error", "plans/0012/plan.yaml", 6, "0012", "1e3"),
        ("missing-usage-report", "error", "plans/0012/plan.yaml", 6, "0012", "1e3"),
    ]
    assert counts(slice_named(report, "0012/NO")["estimate"]) == {"requests": 1, "tokens": 2}
