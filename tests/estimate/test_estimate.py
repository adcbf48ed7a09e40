"""`budget-gate estimate`: the numbers it writes (hand-computed), where and how it writes them,
and every refusal, run as a user would (in-process `main`).

The repository: plan IMP-1 (Large × high) with slices S1 (done) and S2 (approved, no estimate).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from budget_gate.cli import main
from budget_gate.estimate.methods import (
    EstimateError,
    EstimateRequest,
    build_estimate,
    parse_phases,
)
from budget_gate.load.phase_budgets import shipped_phase_budgets
from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.models.common import Complexity, Importance, Phase, PlanStatus
from budget_gate.models.estimate import EstimationMethod, EstimationRecord, PhaseEstimate
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import RunStatus, UsageReport
from budget_gate.scope.index import RecordIndex
from builders import artifacts, report
from gitrepo import GitRepoBuilder, isolated_git_env

NOW = datetime(2026, 11, 25, 16, 56, 47, 123456, tzinfo=UTC)
SHIPPED = shipped_phase_budgets()

PLAN_MD = """---
plan_id: IMP-1
title: Budgets
status: in-progress
complexity: Large
importance: high
slices:
  - slice_id: S1
    status: done
  - slice_id: S2
    status: approved
---
# IMP-1
"""

ESTIMATES = """# Estimates for IMP-1, written before approval.
estimates:
  # S1 was estimated by hand.
  - plan_id: IMP-1
    slice_id: S1
    estimated_requests: 40   # the agent's turn budget
    estimated_prompt_tokens: 180000
    estimated_completion_tokens: 36000
    estimation_method: MANUAL
    estimation_owner: maria
    estimation_timestamp: 2026-11-02T09:15:00Z
# End of the estimates.
"""


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git config leaks in: `git config user.name` is what the test sets."""
    for key, value in isolated_git_env().items():
        if key.startswith(("GIT_", "LC_")):
            monkeypatch.setenv(key, value)


@pytest.fixture
def project(repo: GitRepoBuilder) -> GitRepoBuilder:
    repo.write("plans/imp-1/plan.md", PLAN_MD)
    repo.write("plans/imp-1/estimation.yaml", ESTIMATES)
    repo.git("config", "user.name", "Dana Planner")
    return repo


def estimate_cli(repo: GitRepoBuilder, *args: str) -> int:
    return main(["estimate", "--repo", str(repo.root), "--plan", "IMP-1", *args])


def records(
    repo: GitRepoBuilder, path: str = "plans/imp-1/estimation.yaml"
) -> list[EstimationRecord]:
    data = (repo.root / path).read_bytes()
    loaded = load_artifact(path, data, ArtifactKind.ESTIMATE, max_aliases=100)
    assert loaded.findings == []
    return [item.record for item in loaded.estimates]


# --- the numbers ------------------------------------------------------------------------------


def index_of(*plans: Plan, reports: Sequence[UsageReport] = ()) -> RecordIndex:
    return RecordIndex.build(artifacts(plans=plans, reports=reports))


LARGE_HIGH = Plan(
    plan_id="IMP-1",
    status=PlanStatus.APPROVED,
    complexity=Complexity.LARGE,
    importance=Importance.HIGH,
    slices=[PlanSlice(slice_id="S2")],
)


def test_a_heuristic_estimate_is_each_phases_limit_split_80_20() -> None:
    record = build_estimate(
        EstimateRequest(plan_id="IMP-1", slice_id="S2", phases=(Phase.THINK, Phase.PR)),
        index=index_of(LARGE_HIGH),
        budgets=SHIPPED,
        owner="Dana",
        now=NOW,
    )
    # THINK: 4000 × 1.5 × 1.4 × 1.5 = 12,600 tokens, completion ceil(12,600 × 0.2) = 2,520;
    #        requests ceil(4 × 3.15) = ceil(12.6) = 13.
    # PR:    1500 × 1.5 × 1.4 × 0.6 = 1,890 tokens, completion 378; requests ceil(2.52) = 3.
    assert record.phases == {
        Phase.THINK: PhaseEstimate(requests=13, prompt_tokens=10_080, completion_tokens=2_520),
        Phase.PR: PhaseEstimate(requests=3, prompt_tokens=1_512, completion_tokens=378),
    }
    assert (
        record.estimated_requests,
        record.estimated_prompt_tokens,
        record.estimated_completion_tokens,
    ) == (16, 11_592, 2_898)
    assert record.estimation_method is EstimationMethod.HEURISTIC
    assert record.estimation_owner == "Dana"
    assert record.estimation_timestamp == datetime(2026, 11, 25, 16, 56, 47, tzinfo=UTC)
    assert record.notes is not None
    assert "complexity Large (x1.5) and importance high (x1.4)" in record.notes


def test_every_phase_by_default_and_command_line_sizing_wins_over_the_plans() -> None:
    record = build_estimate(
        EstimateRequest(
            plan_id="IMP-1",
            slice_id="S2",
            complexity=Complexity.MEDIUM,
            importance=Importance.MEDIUM,
        ),
        index=index_of(LARGE_HIGH),
        budgets=SHIPPED,
        owner="Dana",
        now=NOW,
    )
    assert record.phases is not None
    assert list(record.phases) == list(Phase)
    # Medium × medium: the sum of base × weight, 38,000 tokens.
    assert (
        record.estimated_total_tokens
        == 1_600 + 3_000 + 3_000 + 6_000 + 16_000 + 4_000 + 900 + 3_000 + 500
    )


def test_a_plans_phase_budget_override_is_used_and_noted() -> None:
    plan = Plan.model_validate(
        {**LARGE_HIGH.model_dump(), "phase_budgets": {"THINK": {"tokens": 5_000, "requests": 2}}}
    )
    record = build_estimate(
        EstimateRequest(plan_id="IMP-1", slice_id="S2", phases=(Phase.THINK,)),
        index=index_of(plan),
        budgets=SHIPPED,
        owner="Dana",
        now=NOW,
    )
    assert record.phases == {
        Phase.THINK: PhaseEstimate(requests=2, prompt_tokens=4_000, completion_tokens=1_000)
    }
    assert record.notes is not None and "the plan's phase_budgets set THINK" in record.notes


def test_without_complexity_it_says_which_flag_or_field_to_set() -> None:
    plan = Plan(plan_id="IMP-1", status=PlanStatus.APPROVED, importance=Importance.LOW)
    with pytest.raises(EstimateError, match="IMP-1/FULL_PLAN has no complexity; pass --complexity"):
        build_estimate(
            EstimateRequest(plan_id="IMP-1"),
            index=index_of(plan),
            budgets=SHIPPED,
            owner="D",
            now=NOW,
        )


def test_parse_phases_accepts_any_case_and_names_a_typo() -> None:
    assert parse_phases("think, IMPLEMENT,think") == (Phase.THINK, Phase.IMPLEMENT)
    with pytest.raises(EstimateError, match="--phases names 'THNK', which is not a phase"):
        parse_phases("THNK")


def finished(slice_id: str, *, complexity: Complexity = Complexity.LARGE) -> PlanSlice:
    return PlanSlice(
        slice_id=slice_id, status=PlanStatus.DONE, complexity=complexity, importance=Importance.HIGH
    )


HISTORY_PLAN = Plan(
    plan_id="IMP-1",
    status=PlanStatus.IN_PROGRESS,
    complexity=Complexity.LARGE,
    importance=Importance.HIGH,
    slices=[
        finished("A"),
        finished("B"),
        finished("C"),
        finished("D"),
        finished("SMALL", complexity=Complexity.SMALL),  # other sizing: not in the sample
        PlanSlice(slice_id="WIP", status=PlanStatus.IN_PROGRESS),  # not finished
        finished("NORUNS"),  # nothing spent on record
        PlanSlice(slice_id="NEW", status=PlanStatus.APPROVED),
    ],
)
HISTORY_RUNS = [
    report("a-1", "IMP-1", slice_id="A", requests=10, prompt=10_000, completion=1_000),
    report(
        "a-2", "IMP-1", slice_id="A", requests=2, prompt=2_000, completion=0, status=RunStatus.FAIL
    ),
    report("b-1", "IMP-1", slice_id="B", requests=20, prompt=30_000, completion=3_000),
    report("c-1", "IMP-1", slice_id="C", requests=30, prompt=50_000, completion=5_001),
    report("s-1", "IMP-1", slice_id="SMALL", requests=99, prompt=99_000, completion=9_000),
    report("w-1", "IMP-1", slice_id="WIP", requests=99, prompt=99_000, completion=9_000),
]


def test_a_historical_estimate_is_the_median_of_finished_slices_like_it() -> None:
    # A: 12 requests, 12,000 prompt, 1,000 completion (its FAIL run counts); B: 20, 30,000,
    # 3,000; C: 30, 50,000, 5,001. Medians: 20, 30,000, 3,000.
    record = build_estimate(
        EstimateRequest(plan_id="IMP-1", slice_id="NEW", method=EstimationMethod.HISTORICAL),
        index=index_of(HISTORY_PLAN, reports=HISTORY_RUNS),
        budgets=SHIPPED,
        owner="Dana",
        now=NOW,
    )
    assert (
        record.estimated_requests,
        record.estimated_prompt_tokens,
        record.estimated_completion_tokens,
    ) == (20, 30_000, 3_000)
    assert record.estimation_method is EstimationMethod.HISTORICAL
    assert record.phases is None
    assert record.notes == (
        "budget-gate estimate: median actuals of 3 finished slices of complexity Large and "
        "importance high (IMP-1/A, IMP-1/B, IMP-1/C)."
    )


def test_an_even_sample_takes_the_mean_of_the_middle_two_rounded_up() -> None:
    runs = [
        *HISTORY_RUNS,
        report("d-1", "IMP-1", slice_id="D", requests=25, prompt=40_001, completion=0),
    ]
    record = build_estimate(
        EstimateRequest(plan_id="IMP-1", slice_id="NEW", method=EstimationMethod.HISTORICAL),
        index=index_of(HISTORY_PLAN, reports=runs),
        budgets=SHIPPED,
        owner="Dana",
        now=NOW,
    )
    # Requests 12, 20, 25, 30 -> 22.5 -> 23; prompt 12,000, 30,000, 40,001, 50,000 -> 35,000.5
    # -> 35,001; completion 0, 1,000, 3,000, 5,001 -> 2,000.
    assert (
        record.estimated_requests,
        record.estimated_prompt_tokens,
        record.estimated_completion_tokens,
    ) == (23, 35_001, 2_000)


def test_a_historical_estimate_below_the_minimum_sample_is_refused_naming_what_is_there() -> None:
    request = EstimateRequest(
        plan_id="IMP-1", slice_id="NEW", method=EstimationMethod.HISTORICAL, min_sample=4
    )
    with pytest.raises(EstimateError) as caught:
        build_estimate(
            request,
            index=index_of(HISTORY_PLAN, reports=HISTORY_RUNS),
            budgets=SHIPPED,
            owner="Dana",
            now=NOW,
        )
    assert str(caught.value) == (
        "a HISTORICAL estimate needs at least 4 finished slices (status done, with usage "
        "reports) of complexity Large and importance high; the repository has only 3 "
        "(IMP-1/A, IMP-1/B, IMP-1/C). Use --method heuristic, or lower "
        "phase_budgets.historical.min_sample (or --min-sample) in the config"
    )


# --- the command --------------------------------------------------------------------------------


def test_it_appends_to_the_estimates_file_keeping_every_comment_and_record(
    project: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert estimate_cli(project, "--slice", "S2", "--phases", "THINK,PR") == 0
    text = (project.root / "plans/imp-1/estimation.yaml").read_text()
    # Every old line is still there, in order, and the new record follows the last record.
    assert text.startswith(ESTIMATES.removesuffix("# End of the estimates.\n"))
    assert text.endswith("# End of the estimates.\n")
    old, new = records(project)
    assert old.slice_id == "S1" and old.estimation_owner == "maria"
    assert (new.slice_id, new.estimation_owner, new.estimated_total_tokens) == (
        "S2",
        "Dana Planner",  # from git config user.name
        12_600 + 1_890,
    )
    out = capsys.readouterr().out
    assert out.startswith("added an estimate for IMP-1/S2 in plans/imp-1/estimation.yaml\n")
    assert "HEURISTIC: 14,490 tokens (11,592 prompt + 2,898 completion), 16 requests" in out


def test_the_written_estimate_satisfies_the_gate(
    project: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", "--repo", str(project.root), "--format", "json"])
    assert '"missing-estimate"' in capsys.readouterr().out
    assert estimate_cli(project, "--slice", "S2") == 0
    capsys.readouterr()
    main(["check", "--repo", str(project.root), "--format", "json"])
    out = capsys.readouterr().out
    assert '"missing-estimate"' not in out
    assert '"invalid-artifact"' not in out


def test_an_existing_estimate_is_never_replaced_without_force(
    project: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert estimate_cli(project, "--slice", "S1") == 2
    assert capsys.readouterr().err == (
        "budget-gate: error: IMP-1/S1 already has an estimation record at "
        "plans/imp-1/estimation.yaml:4 (MANUAL by maria); pass --force to replace it\n"
    )
    assert (project.root / "plans/imp-1/estimation.yaml").read_text() == ESTIMATES


def test_force_replaces_it_in_place_keeping_the_comments_around_it(
    project: GitRepoBuilder,
) -> None:
    project.write(
        "plans/imp-1/estimation.yaml",
        ESTIMATES.replace(
            "# End of the estimates.\n",
            "  - plan_id: IMP-1\n    slice_id: S2\n    estimated_requests: 1\n"
            "    estimated_prompt_tokens: 1\n    estimated_completion_tokens: 1\n"
            "    estimation_method: MANUAL\n    estimation_owner: lee\n"
            "    estimation_timestamp: 2026-11-03T09:15:00Z\n# End of the estimates.\n",
        ),
    )
    assert estimate_cli(project, "--slice", "S1", "--force", "--owner", "Ola") == 0
    text = (project.root / "plans/imp-1/estimation.yaml").read_text()
    assert text.startswith(
        "# Estimates for IMP-1, written before approval.\nestimates:\n"
        "  # S1 was estimated by hand.\n  - plan_id: IMP-1\n    slice_id: S1\n"
    )
    assert text.endswith(
        "    estimation_owner: lee\n    estimation_timestamp: 2026-11-03T09:15:00Z\n"
        "# End of the estimates.\n"
    )
    s1, s2 = records(project)
    assert (s1.slice_id, s1.estimation_method, s1.estimation_owner) == (
        "S1",
        EstimationMethod.HEURISTIC,
        "Ola",
    )
    assert (s2.slice_id, s2.estimation_owner) == ("S2", "lee")


def test_a_new_plan_directory_gets_a_new_estimates_file(project: GitRepoBuilder) -> None:
    project.write(
        "plans/imp-2/plan.yaml",
        "plan_id: IMP-2\nstatus: approved\ncomplexity: Tiny\nimportance: low\n",
    )
    assert main(["estimate", "--repo", str(project.root), "--plan", "IMP-2", "--phases", "PR"]) == 0
    [record] = records(project, "plans/imp-2/estimation.yaml")
    # 1500 × 0.5 × 0.7 × 0.6 = 315 tokens: completion ceil(63) = 63; requests ceil(0.42) = 1.
    assert (record.slice_id, record.estimated_total_tokens, record.estimated_requests) == (
        "FULL_PLAN",
        315,
        1,
    )
    assert (project.root / "plans/imp-2/estimation.yaml").read_text().startswith("estimates:\n  - ")


def test_a_glob_with_one_file_per_slice_gets_a_file_per_slice(project: GitRepoBuilder) -> None:
    project.write(
        ".github/plan-budget-gate.yml", 'paths:\n  estimates: ["plans/*/estimates/*.yaml"]\n'
    )
    assert estimate_cli(project, "--slice", "S2", "--phases", "THINK") == 0
    [record] = records(project, "plans/imp-1/estimates/S2.yaml")
    assert record.slice_id == "S2"
    assert (project.root / "plans/imp-1/estimation.yaml").read_text() == ESTIMATES


def test_dry_run_prints_the_record_and_writes_nothing(
    project: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert estimate_cli(project, "--slice", "S2", "--phases", "PR", "--dry-run") == 0
    out = capsys.readouterr().out
    assert out.startswith("dry run: would have added an estimate for IMP-1/S2 in ")
    assert "  PR: {requests: 3, prompt_tokens: 1512, completion_tokens: 378}\n" in out
    assert (project.root / "plans/imp-1/estimation.yaml").read_text() == ESTIMATES


def test_without_an_owner_it_says_how_to_give_one(
    project: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    project.git("config", "--unset", "user.name")
    assert estimate_cli(project, "--slice", "S2") == 2
    assert capsys.readouterr().err == (
        "budget-gate: error: no estimation owner: pass --owner NAME, or set git config user.name\n"
    )


def test_a_file_the_gate_would_not_read_is_refused(
    project: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert estimate_cli(project, "--slice", "S2", "--file", "notes/est.yaml") == 2
    assert "notes/est.yaml matches none of the configured paths.estimates globs" in (
        capsys.readouterr().err
    )
    assert not (project.root / "notes").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "IMP-9"], "no plan has plan_id IMP-9; did you mean IMP-1?"),
        (["--plan", "IMP-1"], "plan IMP-1 has slices (S1, S2); choose one with --slice"),
        (["--plan", "IMP-1", "--slice", "S3"], "plan IMP-1 has no slice S3; its slices are S1, S2"),
        (
            ["--plan", "IMP-1", "--slice", "S2", "--method", "historical"],
            "a HISTORICAL estimate needs at least 3 finished slices",
        ),
    ],
)
def test_each_refusal_is_one_line_with_exit_2(
    project: GitRepoBuilder, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["estimate", "--repo", str(project.root), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("budget-gate: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_a_broken_estimates_file_is_not_edited(
    project: GitRepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = ESTIMATES.replace("estimated_requests: 40", "estimated_requests: forty")
    project.write("plans/imp-1/estimation.yaml", broken)
    assert estimate_cli(project, "--slice", "S2") == 2
    err = capsys.readouterr().err
    assert (
        "plans/imp-1/estimation.yaml:6: estimates[0].estimated_requests must be a whole number"
        in err
    )
    assert "fix plans/imp-1/estimation.yaml first" in err
    assert (project.root / "plans/imp-1/estimation.yaml").read_text() == broken


def test_the_written_file_keeps_its_permissions(project: GitRepoBuilder) -> None:
    path = project.root / "plans/imp-1/estimation.yaml"
    path.chmod(0o640)
    assert estimate_cli(project, "--slice", "S2") == 0
    assert path.stat().st_mode & 0o777 == 0o640
    leftovers = [name for name in os.listdir(path.parent) if name.endswith(".tmp")]
    assert leftovers == []


def test_an_estimates_file_that_is_a_symlink_is_refused(
    project: GitRepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(ESTIMATES)
    (project.root / "plans/imp-1/estimation.yaml").unlink()
    project.symlink("plans/imp-1/estimation.yaml", str(outside))
    assert estimate_cli(project, "--slice", "S2", "--owner", "x") == 2
    assert outside.read_text() == ESTIMATES
    assert capsys.readouterr().err == (
        "budget-gate: error: plans/imp-1/estimation.yaml is a symbolic link; estimate writes "
        "only regular files inside the repository\n"
    )
