"""The plan table shared by scope and the rules, and the shortcuts that keep 20,000 slices cheap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from budget_gate.models.artifacts import PlanOutline, Sourced
from budget_gate.models.common import SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.models.plan import Plan
from budget_gate.scope.change import Change, ChangedFile, FileStatus, ScopeKind
from budget_gate.scope.globs import GlobError, literal_prefix
from budget_gate.scope.index import PlanTable
from budget_gate.scope.slices import _literal_prefix, find_scope


def make_plan(plan_id: str, *slices: tuple[str, str], path: str = "") -> Sourced[Plan]:
    record = Plan.model_validate(
        {
            "plan_id": plan_id,
            "status": "in-progress",
            "slices": [{"slice_id": slice_id, "paths": [glob]} for slice_id, glob in slices],
        }
    )
    return Sourced(record=record, path=path or f"plans/{plan_id}/plan.yaml", line=1)


def test_the_first_plan_with_an_id_owns_its_slices_but_every_slice_is_known() -> None:
    first = make_plan("A", ("S1", "src/a/**"))
    duplicate = make_plan("A", ("S2", "src/b/**"), path="plans/A2/plan.yaml")
    other = make_plan("B", ("S1", "src/b/**"))
    table = PlanTable.of([first, duplicate, other])
    assert table.known == {SliceRef("A", "S1"), SliceRef("A", "S2"), SliceRef("B", "S1")}
    assert list(table.slices_by_ref) == [SliceRef("A", "S1"), SliceRef("B", "S1")]
    assert len(table.slices_by_ref) == 2
    entry = table.slices_by_ref[SliceRef("A", "S1")]
    assert entry.plan is first
    assert table.slices_by_ref.get(SliceRef("A", "S1")) is entry  # made once, then kept
    assert table.slices_by_ref.get(SliceRef("A", "S2")) is None
    assert SliceRef("B", "S1") in table.slices_by_ref
    assert [ref for ref, _ in table.slices_by_ref.items()] == list(table.slices_by_ref)
    assert table.plans_by_id["A"] == [PlanOutline.of(first), PlanOutline.of(duplicate)]


def test_the_table_is_reused_for_the_same_plans_only() -> None:
    plans = [make_plan("A", ("S1", "src/a/**"))]
    table = PlanTable.of(plans)
    assert PlanTable.of(list(plans)) is table  # same records: the same table
    changed = [make_plan("A", ("S1", "src/a/**"))]  # equal, but other records
    assert PlanTable.of(changed) is not table
    assert PlanTable.of([*changed, make_plan("B", ("S1", "x/**"))]).known == {
        SliceRef("A", "S1"),
        SliceRef("B", "S1"),
    }


def test_plans_read_in_full_later_reuse_the_outline_part_of_the_table() -> None:
    """A pull request reads its in-scope plans in full after scope was first computed from
    outlines: the 20,000-slice part is not built again, and the new plans' slices resolve."""
    a, b = make_plan("A", ("S1", "src/a/**")), make_plan("B", ("S1", "src/b/**"))
    outlines = [PlanOutline.of(a), PlanOutline.of(b)]
    in_outline = PlanTable.of([], outlines)
    assert SliceRef("B", "S1") in in_outline.slices_by_ref
    assert in_outline.known == {SliceRef("A", "S1"), SliceRef("B", "S1")}

    with_b = PlanTable.of([b], outlines)

    assert with_b is not in_outline
    assert with_b.slices is in_outline.slices
    assert with_b.plans_by_id is in_outline.plans_by_id
    assert with_b.slices_by_ref[SliceRef("B", "S1")].plan is b
    assert with_b.plans == (b,)
    built = PlanTable._build([b], outlines)
    assert (with_b.known, with_b.slices, with_b.plans_by_id) == (
        built.known,
        built.slices,
        built.plans_by_id,
    )


def test_scope_sees_new_plans_after_a_run_with_other_plans() -> None:
    touched = Change(
        kind=ScopeKind.PULL_REQUEST,
        files=(ChangedFile(path="src/b/x.py", status=FileStatus.MODIFIED),),
    )
    config = GateConfig()
    first = find_scope(
        touched, plans=[make_plan("A", ("S1", "src/a/**"))], estimates=[], reports=[], config=config
    )
    assert dict(first.slices) == {}
    second = find_scope(
        touched,
        plans=[make_plan("A", ("S1", "src/a/**")), make_plan("B", ("S1", "src/b/**"))],
        estimates=[],
        reports=[],
        config=config,
    )
    assert list(second.slices) == [SliceRef("B", "S1")]
    assert second.owned_changes == {SliceRef("B", "S1"): ("src/b/x.py",)}


_GLOB_PARTS = st.sampled_from(["a", "b", "src", "/", "//", "*", "**", "?", "[x]", "[", "\\", " "])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_GLOB_PARTS, max_size=8).map("".join))
def test_the_fast_literal_prefix_is_the_literal_prefix(glob: str) -> None:
    try:
        expected: str | None = literal_prefix(glob)
    except GlobError:
        expected = None
    try:
        actual: str | None = _literal_prefix(glob)
    except GlobError:
        actual = None
    assert actual == expected
