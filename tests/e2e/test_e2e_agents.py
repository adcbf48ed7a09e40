"""End to end: agent runs, agent commits, trailers, and records stored far from their plan (§4, §5).

The loader reads plan homes and shared files for a pull request, then searches the rest of the
repository by ID, so a report filed anywhere the globs match is still found.
"""

from __future__ import annotations

import pytest

from e2e_artifacts import CLAUDE, HUMAN, estimate, payments_base, records, usage
from e2e_support import Cli, check_json, finding_rows, scope_of, slice_named
from gitrepo import GitRepoBuilder

pytestmark = pytest.mark.e2e

# -- 5. agent runs and records far from home ----------------------------------------------------


def test_a_report_stored_in_the_shared_usage_file_is_found(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.write(
        "docs/artifacts/developer-agent-usage-report.yaml",
        records(
            "reports",
            usage("run-s2-01", "PAY-01", "S2", requests=9, prompt=36_000, completion=9_000),
        ),
    )
    repo.commit("Shared report")
    repo.branch("feature")
    repo.write("src/pay/ledger/book.py", "LEDGER = {}\n")
    repo.commit("Ledger", trailers=[("Agent-Run", "run-s2-01"), ("Plan-Slice", "PAY-01/S2")])

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 0, report["findings"]
    assert scope_of(report) == {
        "PAY-01/S2": ["agent-run", "owned-path-changed", "plan-slice-trailer"],
    }
    assert slice_named(report, "PAY-01/S2")["run_ids"] == ["run-s2-01"]


def test_a_report_filed_under_another_plan_is_found_by_its_ids(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.write("plans/OPS-02/plan.yaml", "plan_id: OPS-02\nstatus: draft\n")
    repo.write(
        "plans/OPS-02/usage/misfiled.yaml",
        usage("run-s2-07", "PAY-01", "S2", requests=9, prompt=36_000, completion=9_000),
    )
    repo.commit("Ops plan, with a payments report filed in it")
    repo.branch("feature")
    repo.write("src/pay/ledger/book.py", "LEDGER = {}\n")
    repo.commit("Ledger", trailers=[("Agent-Run", "run-s2-07")], author=CLAUDE)

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 0, report["findings"]
    assert scope_of(report) == {"PAY-01/S2": ["agent-run", "owned-path-changed"]}
    assert slice_named(report, "PAY-01/S2")["run_ids"] == ["run-s2-07"]
    assert report["findings"] == []


def test_an_agent_run_without_any_report_is_unreported(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.branch("feature")
    sha = repo.commit("Spike", trailers=[("Agent-Run", "run-ghost-9")], allow_empty=True)

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 1
    assert report["slices"] == []
    assert finding_rows(report) == [("unreported-agent-run", "error", None, None, None, None)]
    assert report["findings"][0]["message"] == (
        f"Commit {sha[:7]} has the trailer Agent-Run: run-ghost-9, but no usage report has "
        "run_id run-ghost-9."
    )


def test_agent_authors_are_recognised_and_a_listed_commit_is_tracked(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.write("src/pay/api/handler.py", "def pay(amount):\n    return amount\n")
    codex = repo.commit("Codex change", author="Codex <codex@openai.com>")
    repo.write(
        "plans/PAY-01/usage/run-s1-02.yaml",
        usage(
            "run-s1-02",
            "PAY-01",
            "S1",
            requests=8,
            prompt=40_000,
            completion=8_000,
            agent="codex",
            commits=[codex],
        ),
    )
    repo.commit("Report the Codex run", author=HUMAN)
    repo.write("src/pay/api/more.py", "X = 1\n")
    copilot = repo.commit(
        "Copilot change", author="Copilot <198982749+Copilot@users.noreply.github.com>"
    )

    _, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert finding_rows(report) == [
        ("untracked-agent-commit", "warning", None, None, None, None),
    ]
    assert copilot[:7] in report["findings"][0]["message"]
    assert codex[:7] not in report["findings"][0]["message"]


def test_in_the_working_tree_a_misfiled_estimate_is_found_too(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.write("plans/OPS-02/plan.yaml", "plan_id: OPS-02\nstatus: draft\n")
    repo.write(
        "plans/OPS-02/estimation.yaml",
        estimate("PAY-01", "S3", requests=6, prompt=20_000, completion=5_000),
    )
    repo.commit("Ops plan, with the payments guide estimate filed in it")
    repo.write("docs/pay/guide.md", "# Paying\n\nUncommitted.\n")

    result, report = check_json(cli, repo, "--base", "HEAD")

    assert result.returncode == 0, report["findings"]
    assert scope_of(report) == {"PAY-01/S3": ["owned-path-changed"]}
    assert slice_named(report, "PAY-01/S3")["estimate_path"] == "plans/OPS-02/estimation.yaml"


# -- trailers, as git parses them ---------------------------------------------------------------


def test_only_the_final_trailer_block_counts_and_bad_slice_trailers_are_named(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.write("README.md", "payments, now with prose\n")
    repo.commit(
        "Prose",
        body="We tried a run.\nAgent-Run: run-in-prose\nwas its name.\n\nNo trailers here.",
    )
    repo.write("README.md", "payments, again\n")
    sha = repo.commit(
        "Trailers",
        trailers=[
            ("agent-run", "run-lowercase"),
            ("Plan-Slice", "PAY-01/S9"),
            ("Plan-Slice", "PAY-01"),
        ],
    )

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 1
    assert report["slices"] == []
    assert finding_rows(report) == [
        ("orphan-record", "error", None, None, None, None),
        ("orphan-record", "error", None, None, "PAY-01", "S9"),
        ("unreported-agent-run", "error", None, None, None, None),
    ]
    messages = [item["message"] for item in report["findings"]]
    short = sha[:7]
    assert messages[0] == (
        f'Commit {short} has the trailer Plan-Slice: "PAY-01", which is not PLAN_ID/SLICE_ID.'
    )
    assert messages[1].startswith(
        f"Commit {short} has the trailer Plan-Slice: PAY-01/S9, but plan PAY-01 has no slice S9"
    )
    assert "run-lowercase" in messages[2]
    assert "run-in-prose" not in result.stdout


def test_agent_identities_come_from_the_config(cli: Cli, repo: GitRepoBuilder) -> None:
    repo.write(
        ".github/plan-budget-gate.yml",
        "agents:\n  identities: []\n  extra_identities: ['Build Bot <bot@example.com>']\n",
    )
    payments_base(repo)
    repo.branch("feature")
    repo.write("README.md", "one\n")
    repo.commit("By Claude, but not an agent here", author=CLAUDE)
    repo.write("README.md", "two\n")
    bot = repo.commit("By the bot", author="Build Bot <bot@example.com>")

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 0
    assert finding_rows(report) == [("untracked-agent-commit", "warning", None, None, None, None)]
    assert bot[:7] in report["findings"][0]["message"]
