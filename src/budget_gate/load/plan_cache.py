"""The plan cache: what each plan file gave a full parse, kept between runs by git blob id.

A pull request needs every plan in outline (which slices own its changed paths, which IDs
exist) and every plan's findings (a broken plan anywhere fails the gate), but the full plan
only of the slices it puts in scope. Parsing and validating 4,000 plans for that is most of a
PR's cost, so the outline and findings of each plan file are kept here, keyed by the file's path
and git blob id: the same path with the same bytes always parses the same way, so a hit is
exactly what a full parse would give, never an approximation.

It also keeps the plan files of one commit (`plan_listing.py`), so that a check finds the plans
of its own commit by asking git what changed since, instead of walking every plan directory.

The cache is one JSON file, `plans.json`, in a directory CI can keep between runs
(`actions/cache`, see docs/workflows). It is ignored, never trusted, when it is not exactly what
this version wrote for this config: another format, another budget-gate version or loader code,
another config, a checksum that does not match (corrupt or truncated bytes) or an entry (or a
listing) of the wrong shape. It holds no code and is read with a JSON parser, so a tampered file
can at worst cost a full parse. Writing it is best effort: a read-only directory means no cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from budget_gate import __version__
from budget_gate.load import cache_file
from budget_gate.load.glob_walk import GlobWalk
from budget_gate.load.plan_listing import CommitSource, FileEntry, PlanListing
from budget_gate.models.artifacts import Artifacts, PlanOutline
from budget_gate.models.config import GateConfig
from budget_gate.models.findings import Finding, FindingCode, Severity

CACHE_FORMAT: Final = 2
FILE_NAME: Final = "plans.json"
KEEP_UNUSED: Final = 4
"""Entries not used by this run are kept while the file holds at most this many times the
entries it used (plus `SPARE`): a few branches' worth, so switching back is still a hit."""
SPARE: Final = 1000
_CODE_PACKAGES: Final = ("load", "models")
"""The packages whose code decides what a plan file parses to: their sources are part of the key."""


@dataclass(frozen=True, slots=True)
class CachedPlan:
    """One plan file as a full parse saw it: its plan's outline (None when no plan validated)
    and every finding about the file."""

    outline: PlanOutline | None
    findings: tuple[Finding, ...]


@dataclass(slots=True)
class PlanCache:
    """Entries by `"<blob id> <path>"`; `directory` None keeps them in memory only."""

    directory: Path | None
    key: str
    """What the entries are valid for (format, version, loader code, config); see `cache_key`."""
    entries: dict[str, object] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    added: int = 0
    listing: PlanListing | None = None
    """The plan files of the commit the next check most likely starts from (a merge base)."""
    listing_changed: bool = False

    @classmethod
    def open(cls, directory: Path | None, *, config: GateConfig) -> PlanCache:
        """The cache in `directory`, or an empty one when its file is missing or not valid."""
        cache = cls(directory=directory, key=cache_key(config))
        if directory is not None:
            body = cache_file.read(directory / FILE_NAME, format_number=CACHE_FORMAT, key=cache.key)
            if isinstance(body, dict) and isinstance(body.get("plans"), dict):
                cache.entries = body["plans"]
                cache.listing = _listing(body.get("listing"))
        return cache

    def plan_listing(
        self, source: CommitSource, walk: GlobWalk, *, base: CommitSource | None
    ) -> PlanListing:
        """The plan files of `source`'s commit: the kept listing moved there when git can say
        what changed, else walked. `base`'s listing (the merge base's) is kept for next time."""
        listing = self.listing.moved_to(source, walk) if self.listing is not None else None
        if listing is None:
            listing = PlanListing.walked(source, walk)
        anchor = base or source
        if self.listing is None or self.listing.commit != anchor.commit:
            self.listing = listing.moved_to(anchor, walk) or listing
            self.listing_changed = True
        return listing

    def get(self, path: str, blob: str) -> CachedPlan | None:
        """The cached parse of `path` at `blob`; None for a miss or an entry of a wrong shape."""
        name = f"{blob} {path}"
        found = _entry(self.entries.get(name), path)
        if found is not None:
            self.used.add(name)
        return found

    def put(self, path: str, blob: str, loaded: Artifacts) -> None:
        """Keep the full parse of one plan file that was read (an unreadable one is not kept:
        a missing object or an I/O error says nothing about the blob)."""
        if loaded.files_read != 1 or len(loaded.plans) > 1:
            return
        name = f"{blob} {path}"
        outline = PlanOutline.of(loaded.plans[0]) if loaded.plans else None
        self.entries[name] = [
            None if outline is None else _outline_json(outline),
            [_finding_json(item) for item in loaded.findings],
        ]
        self.used.add(name)
        self.added += 1

    def save(self) -> None:
        """Write the entries if this run added any (or another listing), atomically; a failure
        leaves no cache."""
        if self.directory is None or not (self.added or self.listing_changed):
            return
        limit = KEEP_UNUSED * len(self.used) + SPARE
        kept = {name: self.entries[name] for name in self.used}
        for name, value in self.entries.items():
            if len(kept) >= limit:
                break
            kept.setdefault(name, value)
        cache_file.save(self.directory / FILE_NAME, encode(kept, self.key, listing=self.listing))


def cache_key(config: GateConfig) -> str:
    """Entries are valid only for the same cache format, budget-gate version, loader and model
    code, and config (its limits and globs decide what is read and how)."""
    digest = hashlib.sha256(f"{CACHE_FORMAT} {__version__}\n".encode())
    digest.update(config.model_dump_json().encode())
    package = Path(__file__).resolve().parent.parent
    for name in _CODE_PACKAGES:
        for source in sorted((package / name).glob("*.py")):
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


def encode(entries: Mapping[str, object], key: str, *, listing: PlanListing | None = None) -> bytes:
    """The cache file's bytes (`cache_file`: a header line, then the entries and the listing
    as JSON)."""
    body = {"plans": entries, "listing": None if listing is None else _listing_json(listing)}
    return cache_file.encode(body, format_number=CACHE_FORMAT, key=key)


def _listing_json(listing: PlanListing) -> list[object]:
    files = [[path, object_id, regular] for path, (object_id, regular) in listing.files.items()]
    return [listing.commit, files]


def _listing(value: object) -> PlanListing | None:
    """A kept listing back, or None when it is absent or of a wrong shape."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    commit, raw_files = value
    if not isinstance(commit, str) or not isinstance(raw_files, list):
        return None
    files: dict[str, FileEntry] = {}
    for item in raw_files:
        if not isinstance(item, list) or len(item) != 3:
            return None
        path, object_id, regular = item
        if not (isinstance(path, str) and isinstance(object_id, str) and isinstance(regular, bool)):
            return None
        files[path] = (object_id, regular)
    return PlanListing(commit=commit, files=files)


def _entry(value: object, path: str) -> CachedPlan | None:
    """An entry back into values, checking every part's type (a bad one is a miss)."""
    if type(value) is not list or len(value) != 2 or type(value[1]) is not list:
        return None
    raw_outline, raw_findings = value
    outline = None if raw_outline is None else _outline(raw_outline, path)
    if raw_outline is not None and outline is None:
        return None
    findings: list[Finding] = []
    for item in raw_findings:
        finding = _finding(item)
        if finding is None:
            return None
        findings.append(finding)
    return CachedPlan(outline=outline, findings=tuple(findings))


def _outline_json(outline: PlanOutline) -> list[object]:
    slices = [[slice_id, list(paths)] for slice_id, paths in outline.slices]
    return [outline.line, outline.id_line, outline.plan_id, outline.sliced, slices]


def _outline(value: object, path: str) -> PlanOutline | None:
    """An outline back from its list; exact types checked (JSON gives exactly these), with
    plain loops: 4,000 plans make this a pull request's hottest loop."""
    if type(value) is not list or len(value) != 5:
        return None
    line, id_line, plan_id, sliced, raw_slices = value
    if type(line) is not int or type(id_line) is not int or type(plan_id) is not str:
        return None
    if type(sliced) is not bool or type(raw_slices) is not list:
        return None
    slices: list[tuple[str, tuple[str, ...]]] = []
    for item in raw_slices:
        if type(item) is not list or len(item) != 2:
            return None
        slice_id, paths = item
        if type(slice_id) is not str or type(paths) is not list:
            return None
        for glob in paths:
            if type(glob) is not str:
                return None
        slices.append((slice_id, tuple(paths)))
    return PlanOutline(
        path=path, line=line, id_line=id_line, plan_id=plan_id, sliced=sliced, slices=tuple(slices)
    )


_FINDING_TEXT: Final = ("message", "path", "plan_id", "slice_id", "fix", "field")


def _finding_json(finding: Finding) -> dict[str, object]:
    found = {name: getattr(finding, name) for name in _FINDING_TEXT}
    return {
        **found,
        "code": finding.code.value,
        "severity": finding.severity.value,
        "line": finding.line,
    }


def _finding(value: object) -> Finding | None:
    if not isinstance(value, dict) or set(value) != {*_FINDING_TEXT, "code", "severity", "line"}:
        return None
    message, line, code, severity = (
        value["message"],
        value["line"],
        value["code"],
        value["severity"],
    )
    text = [value[name] for name in _FINDING_TEXT[1:]]
    if not isinstance(message, str) or not all(
        item is None or isinstance(item, str) for item in text
    ):
        return None
    if not (line is None or _is_int(line)) or code not in _CODES or severity not in _SEVERITIES:
        return None
    path, plan_id, slice_id, fix, field_name = text
    return Finding(
        code=FindingCode(code),
        message=message,
        severity=Severity(severity),
        path=path,
        line=line,
        plan_id=plan_id,
        slice_id=slice_id,
        fix=fix,
        field=field_name,
    )


_CODES: Final = frozenset(item.value for item in FindingCode)
_SEVERITIES: Final = frozenset(item.value for item in Severity)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
