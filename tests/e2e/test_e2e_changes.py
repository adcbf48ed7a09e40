"""End to end: renames, deletions and the working tree (`--base` without `--head`) (§4).

Scope comes from what git says changed: a rename touches its old and new path, a deleted record
still names its slice (read at the merge base), and uncommitted or untracked files count.
"""

from __future__ import annotations

import pytest

from e2e_artifacts import ESTIMATES_PATH, PAY_ESTIMATES, PLAN_PATH, estimate, payments_base, usage
from e2e_support import Cli, check_json, counts, finding_rows, scope_of, slice_named
from gitrepo import GitRepoBuilder

pytestmark = pytest.mark.e2e

# -- 3. renames and deletions -------------------------------------------------------------------


def test_moving_an_owned_file_out_puts_its_old_owner_in_scope(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.rename("src/pay/api/handler.py", "lib/handler.py")  # out of every slice
    repo.rename("src/pay/export/csv.py", "src/pay/ledger/csv.py")  # from S4 into S2
    repo.commit("Move files")

    _, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert scope_of(report) == {
        "PAY-01/S1": ["owned-path-changed"],
        "PAY-01/S2": ["owned-path-changed"],
        "PAY-01/S4": ["owned-path-changed"],
    }
    # S2 is in-progress, and its paths changed without a report.
    assert finding_rows(report) == [
        ("missing-usage-report", "error", PLAN_PATH, 11, "PAY-01", "S2"),
    ]
    assert "src/pay/ledger/csv.py" in report["findings"][0]["message"]


def test_deleting_an_owned_file_puts_its_slice_in_scope(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.delete("docs/pay/guide.md")
    repo.commit("Drop the guide")

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert scope_of(report) == {"PAY-01/S3": ["owned-path-changed"]}
    assert finding_rows(report) == [("missing-estimate", "error", PLAN_PATH, 14, "PAY-01", "S3")]
    assert result.returncode == 1


def test_renaming_a_usage_report_changes_no_slice(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.rename("plans/PAY-01/usage/run-s1-01.yaml", "plans/PAY-01/usage/2025-05-run-s1-01.yaml")
    repo.commit("Date-prefix report names")

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 0
    assert report["slices"] == []
    assert report["findings"] == []


def test_a_report_renamed_onto_another_slice_puts_both_slices_in_scope(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.branch("feature")
    old, new = "plans/PAY-01/usage/run-s1-01.yaml", "plans/PAY-01/usage/run-s4-01.yaml"
    repo.rename(old, new)
    repo.write(new, (repo.root / new).read_text().replace("slice_id: S1", "slice_id: S4"))
    repo.commit("That run built the exports")

    _, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert scope_of(report) == {"PAY-01/S1": ["record-changed"], "PAY-01/S4": ["record-changed"]}
    assert slice_named(report, "PAY-01/S1")["run_ids"] == []
    assert slice_named(report, "PAY-01/S4")["run_ids"] == ["run-s1-01"]
    # S4 estimated 25,000 tokens and now carries the run's 60,000: a breach, and at 240 % of
    # its estimate past its stop-loss (120 %), both at the S4 estimate's
    # estimated_prompt_tokens (third record: starts on line 18, that field on 21).
    assert finding_rows(report) == [
        ("stop-loss", "error", ESTIMATES_PATH, 21, "PAY-01", "S4"),
        ("variance-breach", "warning", ESTIMATES_PATH, 21, "PAY-01", "S4"),
    ]


def test_deleting_a_plan_leaves_its_records_as_orphans(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.delete(PLAN_PATH)
    repo.commit("Drop the payments plan")

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 1
    assert report["slices"] == []
    assert finding_rows(report) == [
        ("orphan-record", "error", ESTIMATES_PATH, 2, "PAY-01", "S1"),
        ("orphan-record", "error", ESTIMATES_PATH, 10, "PAY-01", "S2"),
        ("orphan-record", "error", ESTIMATES_PATH, 18, "PAY-01", "S4"),
        ("orphan-record", "error", "plans/PAY-01/usage/run-s1-01.yaml", 2, "PAY-01", "S1"),
    ]
    assert {item["field"] for item in report["findings"]} == {"plan_id"}


def test_deleting_the_estimation_file_is_caught_on_the_slices_it_held(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.delete(ESTIMATES_PATH)
    repo.commit("Remove estimates")

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    # The deleted records named S1, S2 and S4; all three are approved or later.
    assert scope_of(report) == {
        "PAY-01/S1": ["record-changed"],
        "PAY-01/S2": ["record-changed"],
        "PAY-01/S4": ["record-changed"],
    }
    # Without its estimate, S1's budget is the sum of its phases' limits (Medium × medium
    # assumed: 38,000 tokens), and its 60,000 tokens are past the stop-loss.
    assert finding_rows(report) == [
        ("missing-estimate", "error", PLAN_PATH, 7, "PAY-01", "S1"),
        ("stop-loss", "error", PLAN_PATH, 7, "PAY-01", "S1"),
        ("missing-estimate", "error", PLAN_PATH, 11, "PAY-01", "S2"),
        ("missing-estimate", "error", PLAN_PATH, 18, "PAY-01", "S4"),
    ]
    assert result.returncode == 1


def test_editing_one_record_of_a_shared_file_puts_only_its_slice_in_scope(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.write(
        ESTIMATES_PATH, PAY_ESTIMATES.replace("estimated_requests: 5\n", "estimated_requests: 6\n")
    )
    repo.commit("Re-estimate S4")

    _, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert scope_of(report) == {"PAY-01/S4": ["record-changed"]}
    assert counts(slice_named(report, "PAY-01/S4")["estimate"]) == {"requests": 6, "tokens": 25_000}


def test_moving_an_estimate_to_the_shared_file_changes_no_slice(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.branch("feature")
    s4 = estimate("PAY-01", "S4", requests=5, prompt=20_000, completion=5_000)
    repo.write(ESTIMATES_PATH, PAY_ESTIMATES.split("  - plan_id: PAY-01\n    slice_id: S4")[0])
    repo.write("docs/artifacts/plan-resource-estimation.yaml", s4)
    repo.commit("Keep the exports estimate with the shared ones")

    result, report = check_json(cli, repo, "--base", "main", "--head", "feature")

    assert result.returncode == 0
    assert report["slices"] == []
    assert report["findings"] == []


# -- 4. the working tree ------------------------------------------------------------------------


def test_without_head_uncommitted_and_untracked_files_count(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.write("src/pay/ledger/book.py", "LEDGER = {}\n")  # modified, not committed
    repo.write("docs/pay/faq.md", "# FAQ\n")  # untracked
    repo.write("build/notes.txt", "ignored by nobody, owned by nobody\n")

    result, report = check_json(cli, repo, "--base", "HEAD")

    assert report["kind"] == "pull-request"
    assert report["head"] is None
    assert scope_of(report) == {
        "PAY-01/S2": ["owned-path-changed"],
        "PAY-01/S3": ["owned-path-changed"],
    }
    assert finding_rows(report) == [
        ("missing-usage-report", "error", PLAN_PATH, 11, "PAY-01", "S2"),
        ("missing-estimate", "error", PLAN_PATH, 14, "PAY-01", "S3"),
    ]
    assert result.returncode == 1


def test_without_head_an_uncommitted_usage_report_is_read_from_disk(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.write("src/pay/ledger/book.py", "LEDGER = {}\n")
    repo.write(
        "plans/PAY-01/usage/run-s2-01.yaml",
        usage("run-s2-01", "PAY-01", "S2", requests=4, prompt=20_000, completion=5_000),
    )

    result, report = check_json(cli, repo, "--base", "HEAD")

    assert result.returncode == 0
    assert scope_of(report) == {"PAY-01/S2": ["owned-path-changed", "record-changed"]}
    assert counts(slice_named(report, "PAY-01/S2")["actual"]) == {"requests": 4, "tokens": 25_000}
    assert report["findings"] == []


def test_with_head_the_working_tree_is_ignored(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.write("src/pay/ledger/book.py", "LEDGER = {}\n")
    repo.write("docs/pay/faq.md", "# FAQ\n")

    result, report = check_json(cli, repo, "--base", "HEAD", "--head", "HEAD")

    assert result.returncode == 0
    assert report["slices"] == []
    assert report["findings"] == []


def test_without_head_an_uncommitted_record_deletion_counts(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.write(ESTIMATES_PATH, PAY_ESTIMATES.split("  - plan_id: PAY-01\n    slice_id: S4")[0])

    result, report = check_json(cli, repo, "--base", "HEAD")

    assert scope_of(report) == {"PAY-01/S4": ["record-changed"]}
    assert finding_rows(report) == [("missing-estimate", "error", PLAN_PATH, 18, "PAY-01", "S4")]
    assert result.returncode == 1
