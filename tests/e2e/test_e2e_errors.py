"""End to end: what a user sees when the gate cannot judge (exit 2) or an artifact is bad (§7).

Exit 2 means one line on stderr saying why and nothing on stdout; a bad artifact is never a
reason to stop: it is an `invalid-artifact` finding at `path:line`, and the report still comes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from e2e_artifacts import estimate, payments_base, payments_pr, records, usage
from e2e_support import Cli, CliResult, counts, finding_rows
from gitrepo import GitRepoBuilder

pytestmark = pytest.mark.e2e

CONFIG = ".github/plan-budget-gate.yml"


def assert_cannot_judge(result: CliResult, *phrases: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr that contains every phrase."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    line = result.stderr.rstrip("\n")
    assert line.startswith("budget-gate: error: "), line
    assert "Traceback" not in line and "internal error" not in line
    for phrase in phrases:
        assert phrase in line, line
    return line


# -- 7. the tool could not judge ----------------------------------------------------------------


@pytest.mark.parametrize("option", ["--base", "--head"])
def test_an_unknown_ref_is_exit_2_with_the_ref_and_the_fix(
    cli: Cli, repo: GitRepoBuilder, option: str
) -> None:
    payments_base(repo)
    args = ["--base", "main", "--head", "no-such-branch"]
    if option == "--base":
        args = ["--base", "no-such-branch"]

    result = cli("check", "--repo", repo.root, *args)

    assert_cannot_judge(result, "'no-such-branch' is not a commit in this clone", "fetch it")


def test_unrelated_histories_are_exit_2(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.git("checkout", "-q", "--orphan", "elsewhere")
    repo.commit("Another root")

    result = cli("check", "--repo", repo.root, "--base", "main", "--head", "elsewhere")

    assert_cannot_judge(result, "have no common ancestor")


def test_a_shallow_clone_without_the_merge_base_is_exit_2_with_the_fetch_hint(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path
) -> None:
    payments_base(repo)
    payments_pr(repo)
    repo.checkout("main")
    repo.write("README.md", "main moved on\n")
    repo.commit("Main moves on")
    shallow = tmp_path / "shallow"
    repo.git(
        "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{repo.root}", str(shallow)
    )

    result = cli("check", "--repo", shallow, "--base", "origin/main", "--head", "origin/feature")

    assert_cannot_judge(result, "no common ancestor in this shallow clone", "fetch-depth: 0")


@pytest.mark.parametrize("option", ["--base", "--head"])
def test_a_ref_outside_a_git_repository_is_exit_2(cli: Cli, tmp_path: Path, option: str) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()

    result = cli("check", "--repo", plain, option, "main")

    assert_cannot_judge(result, "is not a git repository", "run without them to audit")


def test_a_subdirectory_of_a_repository_is_refused_rather_than_passing_silently(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)

    result = cli("check", "--repo", repo.root / "plans", "--base", "HEAD")

    assert_cannot_judge(result, "is not its top level", f"--repo {repo.root.resolve()}")


def test_a_missing_repository_directory_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    result = cli("check", "--repo", tmp_path / "nowhere")

    assert_cannot_judge(result, "nowhere is not a directory")


def test_an_invalid_config_names_file_line_and_field(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.write(CONFIG, "version: 1\nmode: enforced\n")

    result = cli("check", "--repo", repo.root)

    assert_cannot_judge(
        result, f"config {CONFIG}:2: mode must be one of enforce, observe", "write mode: enforce"
    )


def test_a_config_with_several_problems_names_the_first_and_counts_the_rest(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.write(CONFIG, "mode: observe\nseverities:\n  missing-estimate: fatal\nlimits: 3\n")

    result = cli("check", "--repo", repo.root)

    line = assert_cannot_judge(result, f"config {CONFIG}:3:", "missing-estimate")
    assert line.endswith("(and 1 more problem)")


def test_a_config_that_is_not_yaml_is_exit_2(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.write(CONFIG, "mode: observe\nseverities: [\n")

    result = cli("check", "--repo", repo.root)

    assert_cannot_judge(result, f"config {CONFIG}:", "YAML syntax error")


def test_a_config_option_naming_a_missing_file_is_exit_2(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)

    result = cli("check", "--repo", repo.root, "--config", "ci/gate.yml")

    assert_cannot_judge(result, "config ci/gate.yml cannot be read", "does not exist")


def test_the_config_of_the_head_commit_is_the_one_read(cli: Cli, repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.write(CONFIG, "mode: enforced\n")  # broken, but only in the working tree

    result = cli("check", "--repo", repo.root, "--base", "HEAD", "--head", "HEAD")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("target", ["a-file/report.json", "plans"])
def test_an_output_that_cannot_be_written_is_exit_2(
    cli: Cli, repo: GitRepoBuilder, target: str
) -> None:
    payments_base(repo)
    repo.write("a-file", "not a directory\n")

    result = cli("check", "--repo", repo.root, "--output", repo.root / target)

    assert_cannot_judge(result, f"cannot write {repo.root / target}")


def test_bad_usage_is_exit_2_with_the_argparse_reason(cli: Cli) -> None:
    result = cli("check", "--format", "xml")

    assert_cannot_judge(result, "argument --format: invalid choice: 'xml'")


# -- 8. bad artifacts are findings --------------------------------------------------------------

BAD_REPORT = usage("run-s1-02", "PAY-01", "S1", requests=8, prompt=40_000, completion=8_000)
BAD_REPORT = BAD_REPORT.replace("actual_requests: 8", 'actual_requests: "8"')  # line 5
BAD_REPORT = BAD_REPORT.replace("actual_total_tokens: 48000", "actual_total_tokens: 48001")  # 8
BAD_REPORT += "tokens_used: 5\n"  # line 12, unknown


def bad_artifacts_pr(repo: GitRepoBuilder) -> None:
    payments_base(repo)
    repo.branch("feature")
    repo.write("src/pay/api/handler.py", "def pay(amount):\n    return amount\n")
    repo.write("plans/PAY-01/usage/run-s1-02.yaml", BAD_REPORT)
    repo.write(
        "docs/artifacts/plan-resource-estimation.yaml",
        b'plan_id: PAY-01\nslice_id: S3\nestimation_owner: "\xff\xfe"\n',  # not UTF-8 on line 3
    )
    repo.write("plans/OPS-02/plan.md", "---\nplan_id: OPS-02\nstatus: [draft\n---\n")
    repo.write(
        "plans/PAY-01/usage/laughs.yaml",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
            for i in range(12)  # each *b stands for 11 aliases: over 100 on line 3
        ),
    )
    repo.symlink("plans/PAY-01/usage/passwd.yaml", "/etc/passwd")
    repo.commit("Messy records", trailers=[("Plan-Slice", "PAY-01/S1")])


def test_bad_artifacts_are_findings_at_path_and_line_never_a_traceback(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    bad_artifacts_pr(repo)

    result = cli(
        "check", "--repo", repo.root, "--base", "main", "--head", "feature", "--format", "json"
    )

    assert result.returncode == 1
    assert result.stderr == ""
    report = result.json()
    invalid = [
        row for row in finding_rows(report) if row[0] in {"invalid-artifact", "unknown-field"}
    ]
    assert invalid == [
        (
            "invalid-artifact",
            "error",
            "docs/artifacts/plan-resource-estimation.yaml",
            3,
            None,
            None,
        ),
        ("invalid-artifact", "error", "plans/OPS-02/plan.md", 3, None, None),
        ("invalid-artifact", "error", "plans/PAY-01/usage/laughs.yaml", 3, None, None),
        ("invalid-artifact", "error", "plans/PAY-01/usage/passwd.yaml", None, None, None),
        ("invalid-artifact", "error", "plans/PAY-01/usage/run-s1-02.yaml", 5, "PAY-01", "S1"),
        ("invalid-artifact", "error", "plans/PAY-01/usage/run-s1-02.yaml", 8, "PAY-01", "S1"),
        ("unknown-field", "warning", "plans/PAY-01/usage/run-s1-02.yaml", 12, "PAY-01", "S1"),
    ]
    by_line = {(item["path"], item["line"]): item for item in report["findings"] if item["path"]}
    requests = by_line[("plans/PAY-01/usage/run-s1-02.yaml", 5)]
    assert requests["field"] == "actual_requests"
    assert requests["fix"]
    total = by_line[("plans/PAY-01/usage/run-s1-02.yaml", 8)]
    assert total["field"] == "actual_total_tokens"
    assert total["fix"] == "set actual_total_tokens: 48000"
    assert "not UTF-8" in by_line[("docs/artifacts/plan-resource-estimation.yaml", 3)]["message"]
    assert "symbolic link" in next(
        item["message"] for item in report["findings"] if item["path"].endswith("passwd.yaml")
    )
    assert "root:" not in result.stdout  # the symlink was not followed


def test_bad_artifacts_in_text_are_compiler_style_lines(cli: Cli, repo: GitRepoBuilder) -> None:
    bad_artifacts_pr(repo)

    result = cli("check", "--repo", repo.root, "--base", "main", "--head", "feature")

    assert result.returncode == 1
    assert result.stderr == ""
    assert (
        "plans/PAY-01/usage/run-s1-02.yaml:8: error invalid-artifact: PAY-01/S1: "
        "actual_total_tokens is 48001 but prompt + completion is 48000\n"
        "    fix: set actual_total_tokens: 48000\n"
    ) in result.stdout


def test_a_rerun_gives_the_same_json_but_for_the_time(cli: Cli, repo: GitRepoBuilder) -> None:
    bad_artifacts_pr(repo)
    args = ("check", "--repo", repo.root, "--base", "main", "--head", "feature", "--format", "json")

    first, second = cli(*args), cli(*args)

    stamp = re.compile(r'"generated_at": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"')
    assert stamp.search(first.stdout)
    assert stamp.sub("", first.stdout) == stamp.sub("", second.stdout)
    assert first.returncode == second.returncode == 1


def test_a_broken_record_does_not_hide_the_good_one_beside_it(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments_base(repo)
    repo.branch("feature")
    good = estimate("PAY-01", "S3", requests=3, prompt=9_000, completion=1_000)
    bad = estimate("PAY-01", "S4", requests=5, prompt=20_000, completion=5_000)
    bad = bad.replace("estimated_requests: 5", "estimated_requests: many")  # 2nd record: line 12
    repo.write("docs/artifacts/plan-resource-estimation.yaml", records("estimates", good, bad))
    repo.commit("Estimate the guide")

    result = cli(
        "check", "--repo", repo.root, "--base", "main", "--head", "feature", "--format", "json"
    )

    report = result.json()
    assert finding_rows(report) == [
        (
            "invalid-artifact",
            "error",
            "docs/artifacts/plan-resource-estimation.yaml",
            12,
            "PAY-01",
            "S4",
        ),
    ]
    assert report["findings"][0]["field"] == "estimates[1].estimated_requests"
    assert {s["slice_id"]: counts(s["estimate"]) for s in report["slices"]} == {
        "S3": {"requests": 3, "tokens": 10_000}
    }
    assert result.returncode == 1
