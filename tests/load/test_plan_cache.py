"""The plan cache file: a hit is what a full parse gave, and anything not exactly as written is
ignored (a miss, then rewritten), never trusted: corrupt or truncated bytes, another format or
version, another config, entries of the wrong shape."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from budget_gate.load import plan_cache
from budget_gate.load.plan_cache import FILE_NAME, PlanCache, encode
from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.models.artifacts import PlanOutline
from budget_gate.models.config import GateConfig, Mode

PATH = "plans/a/plan.md"
BLOB = "0123456789abcdef0123456789abcdef01234567"
PLAN = b"""---
plan_id: A
status: in-progress
surprise: 1
slices:
  - slice_id: S1
    paths: ["src/a/**", "docs/*.md"]
  - slice_id: S2
---
# A
"""


def saved(directory: Path, config: GateConfig | None = None) -> PlanCache:
    cache = PlanCache.open(directory, config=config or GateConfig())
    cache.put(PATH, BLOB, load_artifact(PATH, PLAN, ArtifactKind.PLAN, max_aliases=10))
    cache.save()
    return cache


def test_a_hit_is_the_outline_and_findings_of_a_full_parse(tmp_path: Path) -> None:
    saved(tmp_path)
    loaded = load_artifact(PATH, PLAN, ArtifactKind.PLAN, max_aliases=10)
    assert [item.code.value for item in loaded.findings] == ["unknown-field"]

    hit = PlanCache.open(tmp_path, config=GateConfig()).get(PATH, BLOB)

    assert hit is not None
    assert hit.outline == PlanOutline.of(loaded.plans[0])
    assert hit.outline.slices == (("S1", ("src/a/**", "docs/*.md")), ("S2", ()))
    assert hit.findings == tuple(loaded.findings)


def test_the_same_bytes_at_another_path_or_another_blob_are_a_miss(tmp_path: Path) -> None:
    saved(tmp_path)
    cache = PlanCache.open(tmp_path, config=GateConfig())
    assert cache.get("plans/b/plan.md", BLOB) is None
    assert cache.get(PATH, "f" * 40) is None


def test_a_broken_plan_is_cached_with_its_findings_and_no_outline(tmp_path: Path) -> None:
    cache = PlanCache.open(tmp_path, config=GateConfig())
    broken = load_artifact(PATH, b"---\nplan_id: [\n---\n", ArtifactKind.PLAN, max_aliases=10)
    cache.put(PATH, BLOB, broken)
    cache.save()
    hit = PlanCache.open(tmp_path, config=GateConfig()).get(PATH, BLOB)
    assert hit is not None
    assert hit.outline is None
    assert hit.findings == tuple(broken.findings)
    assert hit.findings[0].code.value == "invalid-artifact"


def corrupt_bytes(data: bytes) -> bytes:
    middle = len(data) // 2 + 40
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(corrupt_bytes, id="corrupt-bytes"),
        pytest.param(lambda data: data[: len(data) * 2 // 3], id="truncated"),
        pytest.param(lambda data: data.split(b"\n", 1)[1], id="no-header"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: b"\x80\x81 not json\n{}", id="garbage"),
    ],
)
def test_a_damaged_file_is_ignored_and_rewritten(tmp_path: Path, damage: object) -> None:
    saved(tmp_path)
    file = tmp_path / FILE_NAME
    file.write_bytes(damage(file.read_bytes()))  # type: ignore[operator]

    cache = PlanCache.open(tmp_path, config=GateConfig())
    assert cache.get(PATH, BLOB) is None
    saved(tmp_path)  # the next full parse writes a good file again
    assert PlanCache.open(tmp_path, config=GateConfig()).get(PATH, BLOB) is not None


def test_another_format_version_or_loader_code_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved(tmp_path)
    monkeypatch.setattr(plan_cache, "CACHE_FORMAT", plan_cache.CACHE_FORMAT + 1)
    assert PlanCache.open(tmp_path, config=GateConfig()).get(PATH, BLOB) is None
    monkeypatch.undo()
    monkeypatch.setattr(plan_cache, "__version__", "99.0.0")
    assert PlanCache.open(tmp_path, config=GateConfig()).get(PATH, BLOB) is None
    monkeypatch.undo()
    assert PlanCache.open(tmp_path, config=GateConfig()).get(PATH, BLOB) is not None


def test_entries_are_never_trusted_across_a_config_change(tmp_path: Path) -> None:
    saved(tmp_path)
    observe = GateConfig(mode=Mode.OBSERVE)
    assert PlanCache.open(tmp_path, config=observe).get(PATH, BLOB) is None
    fewer_aliases = GateConfig.model_validate({"limits": {"max_aliases": 3}})
    assert PlanCache.open(tmp_path, config=fewer_aliases).get(PATH, BLOB) is None


@pytest.mark.parametrize(
    "entry",
    [
        "not a list",
        [None],
        [[1, 1, "A", True, [["S1", ["src/**"]]]], [{"code": "no-such-code"}]],
        [[1, 1, "A", "yes", []], []],
        [[1, 1, 7, True, []], []],
        [[1, 1, "A", True, [["S1", "src/**"]]], []],
        [[True, 1, "A", True, []], []],
    ],
)
def test_an_entry_of_the_wrong_shape_is_a_miss(tmp_path: Path, entry: object) -> None:
    key = PlanCache.open(None, config=GateConfig()).key
    (tmp_path / FILE_NAME).write_bytes(encode({f"{BLOB} {PATH}": entry}, key))
    assert PlanCache.open(tmp_path, config=GateConfig()).get(PATH, BLOB) is None


def test_an_unreadable_file_is_not_cached(tmp_path: Path) -> None:
    from budget_gate.load.parallel import load_files
    from budget_gate.load.worktree import WorktreeSource

    cache = PlanCache.open(tmp_path / "cache", config=GateConfig())
    [missing] = load_files(
        WorktreeSource(tmp_path), [(PATH, ArtifactKind.PLAN)], limits=GateConfig().limits
    )
    assert missing.findings  # the file is reported...
    cache.put(PATH, BLOB, missing)
    assert cache.get(PATH, BLOB) is None  # ...but says nothing about the blob
    cache.save()
    assert not (tmp_path / "cache" / FILE_NAME).exists()


def test_a_directory_that_cannot_be_written_means_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    saved(blocker / "cache")  # no exception
    assert PlanCache.open(blocker / "cache", config=GateConfig()).get(PATH, BLOB) is None


def test_the_file_keeps_what_other_branches_used_within_a_bound(tmp_path: Path) -> None:
    cache = saved(tmp_path)
    for number in range(3):
        other = PlanCache.open(tmp_path, config=GateConfig())
        other.put(
            f"plans/{number}/plan.md",
            BLOB,
            load_artifact(PATH, PLAN, ArtifactKind.PLAN, max_aliases=10),
        )
        other.save()
    kept = orjson.loads((tmp_path / FILE_NAME).read_bytes().split(b"\n", 1)[1])["plans"]
    assert f"{BLOB} {PATH}" in kept
    assert len(kept) == 4
    assert cache.key == PlanCache.open(None, config=GateConfig()).key
