"""A pull request checked with the caches (plans in outline, remembered prices) gives exactly the
report of one that parses every plan in full and prices every usage from the price data: same
verdict, findings, slices and costs, byte for byte.

Repositories are generated: plans (sliced or not, duplicate IDs, broken YAML, invalid fields,
markdown front matter), slices owning random globs, records stored at home or far away, and a
pull request that edits owned code, edits, renames and deletes plans, adds and deletes records
and names slices and runs in trailers; reports name models the price data knows, one it does not,
or none. Each is checked three ways: with no cache, with a cold cache, and with caches warmed by
the base branch (then by the same pull request).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget_gate.render.json_report import render_json
from budget_gate.workspace.check import CheckRequest, run_check
from e2e_artifacts import CLAUDE, estimate, usage
from gitrepo import GitRepoBuilder

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
PLAN_IDS = ("A", "B", "C", "D")
SLICE_IDS = ("S1", "S2", "S3")
GLOBS = ("src/a/**", "src/b/*.py", "src/*/x.py", "src/a/[xy].py", "docs/**", "src/c/**/*.md")
SOURCES = ("src/a/x.py", "src/a/y.py", "src/a/deep/z.py", "src/b/m.py", "src/c/x.py", "docs/i.md")
STATUSES = ("draft", "approved", "in-progress", "done", "bogus-status")
HOMES = ("plans/p0", "plans/p1", "plans/p2", "plans/p3", "plans/p4")
MODELS = (None, ("anthropic", "claude-sonnet-4-5"), ("openai", "gpt-4o"), ("openai", "no-such"))
"""What a report is priced as (provider, model); None: no model, not priced."""
CONFIG = """\
paths:
  usage_reports: ["plans/*/usage/*.yaml", "records/**/*.yaml"]
"""

slice_spec = st.tuples(
    st.sampled_from(SLICE_IDS),
    st.lists(st.sampled_from(GLOBS), max_size=2),
    st.sampled_from(STATUSES),
)
plan_spec = st.fixed_dictionaries(
    {
        "plan_id": st.sampled_from(PLAN_IDS),
        "status": st.sampled_from(STATUSES[:4]),
        "slices": st.lists(slice_spec, max_size=3, unique_by=lambda item: item[0]),
        "markdown": st.booleans(),
        "broken": st.sampled_from((None, None, None, "yaml", "list")),
        "estimates": st.booleans(),
        "reports": st.integers(min_value=0, max_value=2),
        "model": st.sampled_from(MODELS),
    }
)
edit = st.one_of(
    st.tuples(st.just("code"), st.sampled_from(SOURCES)),
    st.tuples(st.just("plan-status"), st.sampled_from(HOMES), st.sampled_from(STATUSES)),
    st.tuples(st.just("plan-globs"), st.sampled_from(HOMES), st.sampled_from(GLOBS)),
    st.tuples(st.just("rename"), st.sampled_from(HOMES), st.sampled_from(("plans/q", "plans/p0"))),
    st.tuples(st.just("delete"), st.sampled_from(HOMES), st.just("plan")),
    st.tuples(st.just("delete"), st.sampled_from(HOMES), st.just("estimation")),
    st.tuples(
        st.just("report"),
        st.sampled_from(PLAN_IDS),
        st.sampled_from(SLICE_IDS),
        st.sampled_from(MODELS),
    ),
    st.tuples(
        st.just("far-report"),
        st.sampled_from(PLAN_IDS),
        st.sampled_from(SLICE_IDS),
        st.sampled_from(MODELS),
    ),
    st.tuples(st.just("trailer"), st.sampled_from(PLAN_IDS), st.sampled_from(SLICE_IDS)),
    st.tuples(st.just("agent-run"), st.sampled_from(("r-far", "r-none", "r-0-0"))),
)


def plan_text(
    spec: dict[str, object], *, status: str | None = None, glob: str | None = None
) -> str:
    if spec["broken"] == "yaml":
        return "plan_id: [unclosed\n"
    if spec["broken"] == "list":
        return "- plan_id: X\n"
    lines = [f"plan_id: {spec['plan_id']}", f"status: {status or spec['status']}", "title: T"]
    slices = list(spec["slices"])  # type: ignore[call-overload]
    if slices:
        lines.append("slices:")
    for slice_id, globs, slice_status in slices:
        paths = [*globs, *([glob] if glob else [])]
        lines += [f"  - slice_id: {slice_id}", f"    status: {slice_status}"]
        lines.append(f"    paths: [{', '.join(repr(item) for item in paths)}]")
    text = "\n".join(lines) + "\n"
    return f"---\n{text}---\n# Plan\n" if spec["markdown"] else text


def with_model(priced_as: object) -> str:
    """The report lines naming what its tokens are priced as (see `MODELS`)."""
    if priced_as is None:
        return ""
    provider, model = priced_as  # type: ignore[misc]
    return f"provider: {provider}\nmodel: {model}\n"


def slice_ids(spec: dict[str, object]) -> list[str]:
    return [item[0] for item in spec["slices"]] or ["FULL_PLAN"]  # type: ignore[attr-defined]


def plan_file(home: str, spec: dict[str, object]) -> str:
    return f"{home}/plan.md" if spec["markdown"] else f"{home}/plan.yaml"


def build(
    root: Path, plans: list[dict[str, object]], edits: list[tuple[str, ...]]
) -> GitRepoBuilder:
    repo = GitRepoBuilder.create(root)
    repo.write_many(dict.fromkeys(SOURCES, "print(1)\n"))
    homes = dict(zip(HOMES, plans, strict=False))
    for index, (home, spec) in enumerate(homes.items()):
        repo.write(plan_file(home, spec), plan_text(spec))
        plan_id = str(spec["plan_id"])
        if spec["estimates"]:
            records = (
                estimate(plan_id, item, requests=3, prompt=900, completion=300)
                for item in slice_ids(spec)
            )
            body = "".join(
                "- " + text.rstrip("\n").replace("\n", "\n  ") + "\n" for text in records
            )
            repo.write(f"{home}/estimation.yaml", body)
        for number in range(int(spec["reports"])):  # type: ignore[call-overload]
            slice_id = slice_ids(spec)[number % len(slice_ids(spec))]
            text = usage(
                f"r-{index}-{number}",
                plan_id,
                slice_id,
                requests=2,
                prompt=800 + 100 * number,
                completion=200,
            ) + with_model(spec["model"])
            repo.write(f"{home}/usage/r-{index}-{number}.yaml", text)
    repo.write(".github/plan-budget-gate.yml", CONFIG)
    repo.write(
        "records/far/r-far.yaml", usage("r-far", "A", "S1", requests=1, prompt=10, completion=5)
    )
    repo.commit("base")
    repo.branch("pr")
    repo.checkout("pr")
    trailers: list[tuple[str, str]] = []
    for number, item in enumerate(edits):
        kind = item[0]
        if kind == "code":
            repo.write(item[1], f"print({number})\n")
        elif kind in ("plan-status", "plan-globs") and item[1] in homes:
            spec = homes[item[1]]
            path = plan_file(item[1], spec)
            if (root / path).exists():
                extra = {"status": item[2]} if kind == "plan-status" else {"glob": item[2]}
                repo.write(path, plan_text(spec, **extra))
        elif (
            kind == "rename"
            and item[1] in homes
            and item[1] != item[2]
            and (root / item[1]).exists()
        ):
            if not (root / item[2]).exists():
                repo.rename(item[1], item[2])
        elif kind == "delete" and item[1] in homes:
            name = (
                plan_file(item[1], homes[item[1]])
                if item[2] == "plan"
                else f"{item[1]}/estimation.yaml"
            )
            if (root / name).exists():
                repo.delete(name)  # staged, so that a later rename moves what is left
        elif kind in ("report", "far-report"):
            where = (
                f"plans/p0/usage/n{number}.yaml" if kind == "report" else f"records/n{number}.yaml"
            )
            text = usage(f"n{number}", item[1], item[2], requests=1, prompt=50, completion=10)
            repo.write(where, text + with_model(item[3]))
        elif kind == "trailer":
            trailers.append(("Plan-Slice", f"{item[1]}/{item[2]}"))
        elif kind == "agent-run":
            trailers.append(("Agent-Run", item[1]))
    repo.commit("pr work", trailers=trailers, author=CLAUDE, allow_empty=True)
    return repo


def report(root: Path, *, base: str, head: str, cache: Path | None) -> str:
    request = CheckRequest(
        repo=root, base=base, head=head, caches=cache is not None, cache_dir=cache
    )
    return render_json(run_check(request, now=NOW).report)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plans=st.lists(plan_spec, min_size=1, max_size=5),
    edits=st.lists(edit, max_size=5),
)
def test_a_cached_pull_request_reports_exactly_what_a_full_parse_does(
    tmp_path_factory: object, plans: list[dict[str, object]], edits: list[tuple[str, ...]]
) -> None:
    root = tmp_path_factory.mktemp("repo")  # type: ignore[attr-defined]
    build(root, plans, edits)
    full = report(root, base="main", head="pr", cache=None)
    cold = report(root, base="main", head="pr", cache=root / "cold")
    warm_dir = root / "warm"
    report(root, base="main", head="main", cache=warm_dir)  # the base branch fills the cache
    warm = report(root, base="main", head="pr", cache=warm_dir)
    again = report(root, base="main", head="pr", cache=warm_dir)
    assert cold == full
    assert warm == full
    assert again == full
