"""The variance summary as files: deterministic YAML, its markdown twin, atomic writes.

The YAML is a pure function of the summary: keys in the model's order, slices as built (sorted),
no wall-clock noise but `generated_at`, so two runs over the same range differ in that one line
and a committed summary diffs cleanly. It loads back through the gate's own loader into the same
model (`load_summary`), so what we write is what every reader of the format accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from budget_gate.errors import ConfigError, GateError
from budget_gate.judge.report import utc_stamp
from budget_gate.load.validate import read_mapping, validate_record
from budget_gate.models.findings import Finding
from budget_gate.models.summary import VarianceSummary
from budget_gate.writing import replace_file

_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """The safe dumper, never writing anchors: every record stands on its own."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Multi-line text double-quoted with `\\n` escapes, so every scalar stays on one line."""
    style = '"' if _LINE_BREAKS.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


MARKDOWN_SUFFIX = ".md"
_YAML_SUFFIXES = (".yaml", ".yml")
_LINE_BREAKS = re.compile("[\n\r\x85\u2028\u2029]")
HEADER = "# Resource variance summary written by `budget-gate release`; do not edit by hand.\n"


def summary_yaml(summary: VarianceSummary) -> str:
    """The summary as YAML text: stable keys, one line per scalar, UTF-8 as written."""
    data = summary.model_dump(mode="json")
    data["generated_at"] = utc_stamp(summary.generated_at)
    body: str = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,
    )
    return HEADER + body


def load_summary(path: str, data: bytes) -> tuple[VarianceSummary | None, list[Finding]]:
    """A summary file read like every artifact: findings with lines, never an exception."""
    context, findings = read_mapping(
        path,
        data,
        max_aliases=0,
        noun="variance summary",
        expected="a variance summary is one mapping of fields",
        fix="regenerate it with `budget-gate release`",
    )
    if context is None:
        return None, findings
    summary = validate_record(VarianceSummary, context, findings)
    return summary, findings


def markdown_path(yaml_path: Path) -> Path:
    """`resource-variance-summary.yaml` -> `resource-variance-summary.md`, beside it."""
    if yaml_path.suffix.lower() in _YAML_SUFFIXES:
        return yaml_path.with_suffix(MARKDOWN_SUFFIX)
    return yaml_path.with_name(yaml_path.name + MARKDOWN_SUFFIX)


def configured_path(repo: Path, configured: str) -> Path:
    """`paths.variance_summary` inside the repository (never an arbitrary path on the runner)."""
    relative = PurePosixPath(configured)
    root = repo.resolve()
    target = (root / relative).resolve()
    if relative.is_absolute() or not target.is_relative_to(root) or target == root:
        raise ConfigError(
            f"paths.variance_summary {configured!r} is not a file path inside the repository; "
            "use a relative path such as docs/artifacts/resource-variance-summary.yaml"
        )
    return target


@dataclass(frozen=True, slots=True)
class SummaryFiles:
    yaml_path: Path
    markdown_path: Path


def write_summary(summary: VarianceSummary, path: Path, *, markdown: str) -> SummaryFiles:
    """Write the YAML at `path` and `markdown` beside it, each replaced atomically."""
    files = SummaryFiles(yaml_path=path, markdown_path=markdown_path(path))
    write_atomic(files.yaml_path, summary_yaml(summary))
    write_atomic(files.markdown_path, markdown)
    return files


def write_atomic(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of one; readable by all (the Action's
    container writes as root, later steps read as the runner's user)."""
    try:
        replace_file(path, text.encode("utf-8"), mode=0o644)
    except OSError as error:
        raise GateError(f"cannot write {path}: {error.strerror or error}") from error
