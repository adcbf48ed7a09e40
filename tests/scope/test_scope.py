"""find_scope: which slices a change puts in scope, and why (§4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from budget_gate.models.artifacts import Sourced
from budget_gate.models.common import FULL_PLAN, SliceRef
from budget_gate.models.config import AgentConfig, GateConfig
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.plan import Plan
from budget_gate.models.usage import UsageReport
from budget_gate.scope.change import Change, ChangedFile, Commit, FileStatus, ScopeKind
from budget_gate.scope.globs import compile_glob
from budget_gate.scope.slices import (
    AgentRun,
    Scope,
    ScopeReason,
    SliceTrailer,
    find_scope,
    is_agent_identity,
    parse_slice_trailer,
)

CONFIG = GateConfig()
HUMAN = "Dana Developer <dana@example.com>"


def ref(text: str) -> SliceRef:
    parsed = SliceRef.parse(text)
    assert parsed is not None
    return parsed


def make_plan(plan_id: str, slices: dict[str, list[str]] | None = None) -> Sourced[Plan]:
    record = Plan.model_validate(
        {
            "plan_id": plan_id,
            "status": "in-progress",
            "slices": [
                {"slice_id": slice_id, "paths": paths} for slice_id, paths in (slices or {}).items()
            ],
        }
    )
    return Sourced(record=record, path=f"plans/{plan_id}/plan.yaml", line=1)


def make_estimate(
    slice_ref: str, *, path: str, requests: int = 10, line: int = 1
) -> Sourced[EstimationRecord]:
    plan_id, slice_id = slice_ref.split("/")
    record = EstimationRecord.model_validate(
        {
            "plan_id": plan_id,
            "slice_id": slice_id,
            "estimated_requests": requests,
            "estimated_prompt_tokens": 1000,
            "estimated_completion_tokens": 200,
            "estimation_method": "MANUAL",
            "estimation_owner": "planner",
            "estimation_timestamp": "2025-01-01T00:00:00Z",
        }
    )
    return Sourced(record=record, path=path, line=line)


def make_report(run_id: str, slice_ref: str, *, path: str) -> Sourced[UsageReport]:
    plan_id, slice_id = slice_ref.split("/")
    record = UsageReport.model_validate(
        {
            "run_id": run_id,
            "plan_id": plan_id,
            "slice_id": slice_id,
            "agent_id": "claude-code",
            "actual_requests": 3,
            "actual_prompt_tokens": 100,
            "actual_completion_tokens": 50,
            "actual_total_tokens": 150,
            "duration_seconds": 12.5,
            "status": "PASS",
            "report_timestamp": "2025-01-02T00:00:00Z",
        }
    )
    return Sourced(record=record, path=path, line=1)


def commit(sha: str, *, author: str = HUMAN, trailers: Sequence[tuple[str, str]] = ()) -> Commit:
    return Commit(sha=sha * 40, author=author, subject="work", trailers=tuple(trailers))


def change(
    *files: ChangedFile, commits: Sequence[Commit] = (), kind: ScopeKind = ScopeKind.PULL_REQUEST
) -> Change:
    return Change(kind=kind, base="base", head="head", files=files, commits=tuple(commits))


def modified(path: str) -> ChangedFile:
    return ChangedFile(path=path, status=FileStatus.MODIFIED)


def scope_of(the_change: Change, **records: Any) -> Scope:
    arguments: dict[str, Any] = {"plans": [], "estimates": [], "reports": [], "config": CONFIG}
    arguments.update(records)
    return find_scope(the_change, **arguments)


PLANS = [
    make_plan("IMP-COST-01", {"S1": ["config/phase_budgets.yaml", "src/budgets/**"], "S2": []}),
    make_plan("IMP-DOCS", {"D1": ["docs/*.md"], "D2": ["**/*.rst", "docs/api/"]}),
    make_plan("UNSLICED"),
]


def test_nothing_changed_puts_nothing_in_scope() -> None:
    assert scope_of(change(), plans=PLANS) == Scope(slices={})


def test_changed_plan_file_puts_all_its_slices_in_scope() -> None:
    scope = scope_of(change(modified("plans/IMP-COST-01/plan.yaml")), plans=PLANS)
    assert scope.slices == {
        ref("IMP-COST-01/S1"): {ScopeReason.PLAN_CHANGED},
        ref("IMP-COST-01/S2"): {ScopeReason.PLAN_CHANGED},
    }


def test_unsliced_plan_is_one_full_plan_slice() -> None:
    added = ChangedFile(path="plans/UNSLICED/plan.yaml", status=FileStatus.ADDED)
    scope = scope_of(change(added), plans=PLANS)
    assert scope.slices == {SliceRef("UNSLICED", FULL_PLAN): {ScopeReason.PLAN_CHANGED}}


def test_renamed_plan_counts_by_its_new_path() -> None:
    renamed = ChangedFile(
        path="plans/IMP-DOCS/plan.yaml",
        status=FileStatus.RENAMED,
        previous_path="plans/old/plan.yaml",
    )
    scope = scope_of(change(renamed), plans=PLANS)
    assert set(scope.slices) == {ref("IMP-DOCS/D1"), ref("IMP-DOCS/D2")}


def test_changed_record_files_put_their_slices_in_scope() -> None:
    estimates = [
        make_estimate("IMP-COST-01/S1", path="plans/IMP-COST-01/estimation.yaml"),
        make_estimate("IMP-DOCS/D1", path="plans/IMP-DOCS/estimation.yaml"),
    ]
    reports = [make_report("run-1", "IMP-DOCS/D2", path="plans/IMP-DOCS/usage/run-1.yaml")]
    scope = scope_of(
        change(modified("plans/IMP-COST-01/estimation.yaml"), modified(reports[0].path)),
        plans=PLANS,
        estimates=estimates,
        reports=reports,
    )
    assert scope.slices == {
        ref("IMP-COST-01/S1"): {ScopeReason.RECORD_CHANGED},
        ref("IMP-DOCS/D2"): {ScopeReason.RECORD_CHANGED},
    }


def test_with_base_records_only_added_changed_or_removed_records_count() -> None:
    shared = "docs/artifacts/plan-resource-estimation.yaml"
    before = [
        make_estimate("IMP-COST-01/S1", path=shared),
        make_estimate("IMP-COST-01/S2", path=shared, requests=5),
        make_estimate("IMP-DOCS/D1", path=shared),
        make_estimate("IMP-DOCS/D2", path=shared),
    ]
    after = [
        make_estimate("IMP-COST-01/S1", path=shared, line=20),  # moved lines only
        make_estimate("IMP-COST-01/S2", path=shared, requests=7),  # modified
        make_estimate("UNSLICED/FULL_PLAN", path=shared),  # added
        make_estimate("IMP-DOCS/D2", path="plans/IMP-DOCS/estimation.yaml"),  # moved files
        # IMP-DOCS/D1 removed
    ]
    scope = scope_of(change(modified(shared)), plans=PLANS, estimates=after, base_estimates=before)
    assert set(scope.slices) == {
        ref("IMP-COST-01/S2"),
        ref("UNSLICED/FULL_PLAN"),
        ref("IMP-DOCS/D1"),
    }
    assert all(reasons == {ScopeReason.RECORD_CHANGED} for reasons in scope.slices.values())


def test_owned_paths_include_deletions_and_a_renames_old_name() -> None:
    files = (
        modified("src/budgets/calc.py"),
        ChangedFile(path="config/phase_budgets.yaml", status=FileStatus.DELETED),
        ChangedFile(
            path="elsewhere/index.md", status=FileStatus.RENAMED, previous_path="docs/index.md"
        ),
        modified("README.rst"),
        modified("docs/api/v1/ref.txt"),
        modified("docs/nested/not-owned.md"),
    )
    scope = scope_of(change(*files), plans=PLANS)
    assert scope.slices == {
        ref("IMP-COST-01/S1"): {ScopeReason.OWNED_PATH_CHANGED},
        ref("IMP-DOCS/D1"): {ScopeReason.OWNED_PATH_CHANGED},
        ref("IMP-DOCS/D2"): {ScopeReason.OWNED_PATH_CHANGED},
    }
    assert scope.owned_changes == {
        ref("IMP-COST-01/S1"): ("config/phase_budgets.yaml", "src/budgets/calc.py"),
        ref("IMP-DOCS/D1"): ("docs/index.md",),
        ref("IMP-DOCS/D2"): ("README.rst", "docs/api/v1/ref.txt"),
    }


def test_a_bad_glob_owns_nothing_instead_of_failing() -> None:
    plans = [make_plan("P", {"S": ["[z-a]/*", "a//b", "ok/**"]})]
    scope = scope_of(change(modified("z/x"), modified("ok/x")), plans=plans)
    assert scope.owned_changes == {ref("P/S"): ("ok/x",)}


def test_plan_slice_trailers() -> None:
    commits = [
        commit("a", trailers=[("Plan-Slice", "IMP-DOCS/D1"), ("plan-slice", " IMP-DOCS/D1 ")]),
        commit("b", trailers=[("Plan-Slice", "IMP-DOCS/NOPE")]),
        commit(
            "c",
            trailers=[
                ("Plan-Slice", "IMP-DOCS"),
                ("Plan-Slice", "A/B/C"),
                ("Plan-Slice", "IMP-DOCS/D1 (part 2)"),
                ("Plan-Slice", "IMP-DOCS/D1, IMP-DOCS/D2"),
            ],
        ),
    ]
    scope = scope_of(change(commits=commits), plans=PLANS)
    assert scope.slices == {ref("IMP-DOCS/D1"): {ScopeReason.TRAILER}}
    assert scope.slice_trailers == (
        SliceTrailer(ref=ref("IMP-DOCS/D1"), commit_sha="a" * 40),
        SliceTrailer(ref=ref("IMP-DOCS/NOPE"), commit_sha="b" * 40),
    )
    assert scope.malformed_trailers == (
        ("c" * 40, "IMP-DOCS"),
        ("c" * 40, "A/B/C"),
        ("c" * 40, "IMP-DOCS/D1 (part 2)"),
        ("c" * 40, "IMP-DOCS/D1, IMP-DOCS/D2"),
    )


@pytest.mark.parametrize("value", ["P/S", " P/S ", "0012/NO", "a.b:c+d-e/S_1"])
def test_parse_slice_trailer_accepts_ids(value: str) -> None:
    assert parse_slice_trailer(value) is not None


def test_agent_run_trailers_bring_in_the_reported_slice() -> None:
    reports = [
        make_report("run-7", "IMP-COST-01/S2", path="plans/IMP-COST-01/usage/run-7.yaml"),
        make_report("run-8", "IMP-DOCS/D1", path="plans/IMP-DOCS/usage/run-8.yaml"),
    ]
    commits = [
        commit("a", trailers=[("Agent-Run", "run-7"), ("Agent-Run", "run-unreported")]),
        commit("b", trailers=[("Agent-Run", "run-7")]),
    ]
    scope = scope_of(change(commits=commits), plans=PLANS, reports=reports)
    assert scope.slices == {ref("IMP-COST-01/S2"): {ScopeReason.AGENT_RUN}}
    assert scope.agent_runs == (
        AgentRun(run_id="run-7", commit_sha="a" * 40),
        AgentRun(run_id="run-unreported", commit_sha="a" * 40),
        AgentRun(run_id="run-7", commit_sha="b" * 40),
    )


def test_reasons_accumulate() -> None:
    commits = [commit("a", trailers=[("Plan-Slice", "IMP-COST-01/S1")])]
    scope = scope_of(
        change(
            modified("plans/IMP-COST-01/plan.yaml"), modified("src/budgets/x.py"), commits=commits
        ),
        plans=PLANS,
    )
    assert scope.slices[ref("IMP-COST-01/S1")] == {
        ScopeReason.PLAN_CHANGED,
        ScopeReason.OWNED_PATH_CHANGED,
        ScopeReason.TRAILER,
    }


def test_audit_puts_every_slice_in_scope() -> None:
    scope = scope_of(change(kind=ScopeKind.AUDIT), plans=PLANS)
    assert list(scope.slices) == sorted(
        [
            ref("IMP-COST-01/S1"),
            ref("IMP-COST-01/S2"),
            ref("IMP-DOCS/D1"),
            ref("IMP-DOCS/D2"),
            SliceRef("UNSLICED", FULL_PLAN),
        ]
    )
    assert all(reasons == {ScopeReason.AUDIT} for reasons in scope.slices.values())


AGENTS = [
    "Claude <noreply@anthropic.com>",
    "Claude Opus 4.6 <noreply@anthropic.com>",
    "claude[bot] <209825114+claude[bot]@users.noreply.github.com>",
    "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
    "Copilot <175728472+Copilot@users.noreply.github.com>",
    "openhands <openhands@all-hands.dev>",
    "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
    "Codex <codex@openai.com>",
    "Cursor Agent <cursoragent@cursor.com>",
    "aider (openai/gpt-4o) <noreply@aider.dev>",
    "Dana Developer (aider) <dana@example.com>",
    "google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>",
    "CLAUDE   <NoReply@Anthropic.com>",
]
HUMANS = [
    HUMAN,
    "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
    "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
    "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
    "Claude Monet <claude.monet@example.com>",
    "Aidan Smith <aidan@example.com>",
]


@pytest.mark.parametrize("person", AGENTS)
def test_default_identities_know_the_common_agents(person: str) -> None:
    assert is_agent_identity(person, identities=CONFIG.agents.all_identities())


@pytest.mark.parametrize("person", HUMANS)
def test_default_identities_leave_humans_and_other_bots_alone(person: str) -> None:
    assert not is_agent_identity(person, identities=CONFIG.agents.all_identities())


def test_brackets_in_identity_patterns_are_literal() -> None:
    identities = ["renovate[bot] <*>"]
    assert is_agent_identity("Renovate[bot] <x@y>", identities=identities)
    assert not is_agent_identity("renovateb <x@y>", identities=identities)
    assert not is_agent_identity("anyone <x@y>", identities=[])


def test_agent_commits_by_author_or_co_author() -> None:
    by_author = commit("a", author="Codex <codex@openai.com>")
    co_authored = commit("b", trailers=[("Co-authored-by", "Claude <noreply@anthropic.com>")])
    human = commit("c", trailers=[("Co-authored-by", "Ada <ada@example.com>")])
    bot = commit("d", author="dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>")
    scope = scope_of(change(commits=[by_author, co_authored, human, bot]), plans=PLANS)
    assert scope.agent_commits == (by_author, co_authored)
    assert scope.slices == {}


def test_extra_identities_from_the_config() -> None:
    config = GateConfig(agents=AgentConfig(extra_identities=["*<bots@acme.example>"]))
    acme = commit("a", author="Acme Bot <bots@acme.example>")
    scope = scope_of(change(commits=[acme]), config=config)
    assert scope.agent_commits == (acme,)


def test_cost_grows_with_the_change_not_with_the_repository() -> None:
    plans = [
        make_plan(
            f"P{index:05d}",
            {"S1": [f"services/svc{index:05d}/**"], "S2": [f"services/svc{index:05d}/api/*.py"]},
        )
        for index in range(10_000)
    ]
    compile_glob.cache_clear()
    files = [modified(f"services/svc{index:05d}/api/handler.py") for index in (7, 4_242, 9_999)]
    scope = scope_of(change(*files), plans=plans)
    assert set(scope.slices) == {
        ref(f"P{index:05d}/{slice_id}") for index in (7, 4_242, 9_999) for slice_id in ("S1", "S2")
    }
    # Only the globs filed under the changed paths' directories were ever compiled.
    assert compile_glob.cache_info().currsize == 6


def test_a_usage_report_moved_to_another_slice_brings_in_both() -> None:
    shared = "docs/artifacts/developer-agent-usage-report.yaml"
    before = [
        make_report("run-1", "IMP-DOCS/D1", path=shared),
        make_report("run-2", "IMP-DOCS/D2", path=shared),
    ]
    after = [
        make_report("run-1", "IMP-COST-01/S1", path=shared),
        make_report("run-2", "IMP-DOCS/D2", path=shared),
    ]
    scope = scope_of(change(modified(shared)), plans=PLANS, reports=after, base_reports=before)
    assert set(scope.slices) == {ref("IMP-DOCS/D1"), ref("IMP-COST-01/S1")}
