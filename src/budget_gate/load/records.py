"""One file's bytes to validated records, each knowing its path and lines.

A file holds one record (a mapping), or many (a list under `estimates:` / `reports:`, or a
top-level list); a plan file holds one plan. Each record is validated on its own, so one bad
record never hides the good ones next to it, and every problem is a finding, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from pydantic import BaseModel

from budget_gate.load.explain import RecordContext, shown
from budget_gate.load.phase_budgets import override_findings
from budget_gate.load.validate import validate_record
from budget_gate.load.yaml_reader import YamlDocument, read_yaml
from budget_gate.models.artifacts import Artifacts, Sourced
from budget_gate.models.config import GateConfig
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.models.plan import Plan
from budget_gate.models.usage import UsageReport


class ArtifactKind(StrEnum):
    PLAN = "plan"
    ESTIMATE = "estimate"
    USAGE_REPORT = "usage-report"


_MODELS: Final[Mapping[ArtifactKind, type[BaseModel]]] = {
    ArtifactKind.PLAN: Plan,
    ArtifactKind.ESTIMATE: EstimationRecord,
    ArtifactKind.USAGE_REPORT: UsageReport,
}
_LIST_KEYS: Final[Mapping[ArtifactKind, str]] = {
    ArtifactKind.ESTIMATE: "estimates",
    ArtifactKind.USAGE_REPORT: "reports",
}
_NOUNS: Final[Mapping[ArtifactKind, str]] = {
    ArtifactKind.PLAN: "plan",
    ArtifactKind.ESTIMATE: "estimation record",
    ArtifactKind.USAGE_REPORT: "usage report",
}
_MARKDOWN_SUFFIXES = (".md", ".markdown")


def load_artifact(path: str, data: bytes, kind: ArtifactKind, *, max_aliases: int) -> Artifacts:
    """Every valid record of one file, plus a finding for each problem in it."""
    front_matter = kind is ArtifactKind.PLAN and path.lower().endswith(_MARKDOWN_SUFFIXES)
    read = read_yaml(data, path=path, max_aliases=max_aliases, front_matter=front_matter)
    artifacts = Artifacts(findings=read.findings, files_read=1)
    document = read.document
    if document is None:
        return artifacts
    model = _MODELS[kind]
    for context in _records(document, kind, path, artifacts.findings):
        record = validate_record(model, context, artifacts.findings)
        if record is None:
            continue
        line = document.start_line(context.record)
        lines = document.key_lines(context.record)
        if isinstance(record, UsageReport):
            artifacts.reports.append(Sourced(record, path, line, lines))
        elif isinstance(record, EstimationRecord):
            artifacts.estimates.append(Sourced(record, path, line, lines))
        elif isinstance(record, Plan):
            slice_lines = _slice_lines(document, context.record)
            artifacts.plans.append(Sourced(record, path, line, lines, slice_lines))
    return artifacts


def _slice_lines(document: YamlDocument, plan: object) -> dict[str, int]:
    """Where each slice is declared, so findings about a slice point at its own lines."""
    slices = plan.get("slices") if isinstance(plan, dict) else None
    if not isinstance(slices, list):
        return {}
    return {
        item["slice_id"]: document.start_line(item)
        for item in slices
        if isinstance(item, dict) and isinstance(item.get("slice_id"), str)
    }


def load_config(
    path: str, data: bytes, *, max_aliases: int
) -> tuple[GateConfig | None, list[Finding]]:
    """The gate's config, validated like an artifact.

    Unknown keys are warnings; any error means no config (None). An empty file is the default
    config: creating the file is a fine way to say "defaults, please".
    """
    read = read_yaml(data, path=path, max_aliases=max_aliases)
    document = read.document
    if read.empty or (document is not None and document.data is None):
        return GateConfig(), []
    findings = read.findings
    if document is None:
        return None, findings
    if not isinstance(document.data, dict):
        findings.append(_not_a_mapping(path, document, "config"))
        return None, findings
    context = RecordContext(path, document, document.data, "", "config")
    config = validate_record(GateConfig, context, findings)
    if isinstance(config, GateConfig):
        findings.extend(override_findings(config.phase_budgets, context))
    if any(item.severity is Severity.ERROR for item in findings):
        return None, findings
    return (config if isinstance(config, GateConfig) else None), findings


def _records(
    document: YamlDocument, kind: ArtifactKind, path: str, findings: list[Finding]
) -> list[RecordContext]:
    """Split a file into its record mappings, with a finding for anything that is not one."""
    data = document.data
    noun = _NOUNS[kind]
    list_key = _LIST_KEYS.get(kind)
    loc_head: tuple[str, ...] = ()
    if isinstance(data, dict):
        if list_key is None or list_key not in data:
            return [RecordContext(path, document, data, "", noun)]
        _extra_container_keys(document, data, list_key, path, findings)
        items, prefix, loc_head = data[list_key], list_key, (list_key,)
        if not isinstance(items, list):
            findings.append(
                _finding(
                    path,
                    f"{list_key} must be a list of {noun}s, got {shown(items)}",
                    document.line_of((list_key,)),
                    f"write each {noun} as a list item starting with `- `",
                    field=list_key,
                )
            )
            return []
    elif isinstance(data, list) and list_key is not None:
        items, prefix = data, ""
    else:
        findings.append(_not_a_mapping(path, document, noun, list_key))
        return []
    contexts: list[RecordContext] = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            contexts.append(RecordContext(path, document, item, f"{prefix}[{index}].", noun))
            continue
        findings.append(
            _finding(
                path,
                f"item {index} of {list_key if prefix else 'the file'} is not a {noun} "
                f"(a mapping of fields), got {shown(item)}",
                document.line_of((*loc_head, index)),
                f"write each {noun} as `- field: value` lines",
                field=f"{prefix}[{index}]",
            )
        )
    return contexts


def _extra_container_keys(
    document: YamlDocument,
    data: dict[str, object],
    list_key: str,
    path: str,
    findings: list[Finding],
) -> None:
    """A `reports:` / `estimates:` file holds only that list (and the user's x- keys)."""
    lines = document.key_lines(data)
    for key in data:
        if key == list_key or key.startswith(("x-", "x_")):
            continue
        findings.append(
            Finding.of(
                FindingCode.UNKNOWN_FIELD,
                f"unknown field {key!r} next to {list_key}: (it is ignored); a file with a "
                f"{list_key}: list holds only that list",
                path=path,
                line=lines.get(key, document.line),
                fix=f"move it into each item of {list_key}, remove it, or rename it to x-{key}",
                field=key,
            )
        )


def _not_a_mapping(
    path: str, document: YamlDocument, noun: str, list_key: str | None = None
) -> Finding:
    data = document.data
    if data is None:
        what = "nothing (the document is null)"
    elif isinstance(data, list):
        what = "a list"
    else:
        what = shown(data)
    expected = "a mapping of fields"
    if list_key is not None:
        expected += f", a list under {list_key}:, or a list of {noun}s"
    elif noun == "plan":
        expected = "one plan as a mapping of fields (plan_id, status, slices)"
    return _finding(
        path,
        f"expected {expected}, got {what}",
        document.line,
        f"write the {noun}'s fields as `key: value` lines",
    )


def _finding(path: str, message: str, line: int, fix: str, *, field: str | None = None) -> Finding:
    return Finding.of(
        FindingCode.INVALID_ARTIFACT, message, path=path, line=line, fix=fix, field=field
    )
