"""A usage report as the YAML file the gate reads, checked by the gate's own loader first.

Keys follow the model's field order; fields left at their defaults are omitted. The header
comments say where the numbers came from and any caveat (a lower-bound request count, a model
without a price), so a reviewer reading the file in a pull request sees them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import yaml

from budget_gate.errors import GateError
from budget_gate.judge.report import utc_stamp
from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.models.usage import UsageReport

COMMENT_WIDTH = 98


class _Dumper(yaml.SafeDumper):
    """Timestamps as `2026-11-25T16:57:53Z` (unquoted, as people write them); no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _timestamp(dumper: yaml.SafeDumper, value: datetime) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", utc_stamp(value))


_Dumper.add_representer(datetime, _timestamp)


def render_report(report: UsageReport, *, header: Sequence[str]) -> str:
    data: dict[str, Any] = report.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data["report_timestamp"] = report.report_timestamp
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=COMMENT_WIDTH)
    comments = "".join(f"# {line}\n" if line else "#\n" for item in header for line in _wrap(item))
    return comments + body


def check_loads(path: str, text: str) -> None:
    """The file must load as exactly this one report with no finding, or nothing is written."""
    loaded = load_artifact(path, text.encode("utf-8"), ArtifactKind.USAGE_REPORT, max_aliases=0)
    if loaded.findings or len(loaded.reports) != 1:
        problems = (
            "; ".join(f"{item.location}: {item.message}" for item in loaded.findings) or "no report"
        )
        raise GateError(
            f"internal error: the report for {path} would not load ({problems}); nothing was "
            "written. Please report this with the input file"
        )


def _wrap(text: str) -> list[str]:
    """Comment lines of at most COMMENT_WIDTH characters, split at spaces."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > COMMENT_WIDTH:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines
