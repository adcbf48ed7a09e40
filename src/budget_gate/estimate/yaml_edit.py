"""Adding or replacing one record in a YAML records file, leaving every other byte alone.

PyYAML cannot write comments back, so files are edited as text: a new record goes after the
last record at the indentation the file already uses (a file holding one record becomes an
`estimates:` list first, its lines indented), a replaced record is swapped line for line. Then
the result is loaded again with the gate's own loader and must hold exactly the old records plus
the new one, in order, and no new problem; otherwise nothing is written and the user is told to
add the record by hand. Writes are atomic (a temporary file renamed over the old one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from budget_gate.errors import GateError
from budget_gate.judge.report import utc_stamp
from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.models.artifacts import Artifacts, Sourced
from budget_gate.models.findings import Severity
from budget_gate.render.escape import yaml_scalar
from budget_gate.writing import replace_file

_Loader: Any = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
_BOM = "\ufeff"
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.+-]*")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# YAML 1.1 words a plain scalar would turn into a bool or null.
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"})
ITEM_INDENT = 2
"""Where a new `estimates:` list puts its dashes (`  - plan_id: ...`)."""


class EditError(GateError):
    """The file cannot be edited safely; the message says why and what to do instead."""


# --- writing one record ---------------------------------------------------------------------


def record_lines(data: Mapping[str, object]) -> list[str]:
    """A record as block YAML lines without indentation; nested mappings of scalars are written
    in flow style (`THINK: {requests: 6, prompt_tokens: 14400}`)."""
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            lines.append(f"{_key(key)}:")
            for inner_key, inner in value.items():
                lines.append(f"  {_key(inner_key)}: {_value(inner)}")
        else:
            lines.append(f"{_key(key)}: {_value(value)}")
    return lines


def _key(key: object) -> str:
    text = key.value if isinstance(key, Enum) else str(key)
    return (
        text if _PLAIN_KEY.fullmatch(text) and text.lower() not in _RESERVED else yaml_scalar(text)
    )


def _value(value: object) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return utc_stamp(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return yaml_scalar(text)


# --- finding the records in a file ----------------------------------------------------------


def _compose(text: str, path: str) -> Node | None:
    try:
        node: Node | None = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        raise EditError(
            f"{path} is not YAML the editor can follow ({str(error).splitlines()[0]}); fix it "
            "first (`budget-gate check` names the line)"
        ) from error
    return node


def _last_line(node: Node) -> int:
    """0-based line of the node's last character."""
    if isinstance(node, MappingNode) and node.value and not node.flow_style:
        return _last_line(node.value[-1][1])
    if isinstance(node, SequenceNode) and node.value and not node.flow_style:
        return _last_line(node.value[-1])
    end = node.end_mark
    return int(end.line if end.column > 0 else end.line - 1)


def _list_node(root: Node, list_key: str) -> Node | None:
    if not isinstance(root, MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == list_key:
            return value  # type: ignore[no-any-return]
    return None


class _Text:
    """A file's lines (keeping their endings), its newline style and any BOM."""

    def __init__(self, text: str) -> None:
        self.bom = text.startswith(_BOM)
        body = text[1:] if self.bom else text
        self.newline = "\r\n" if "\r\n" in body else "\n"
        self.lines = body.splitlines(keepends=True)
        if self.lines and not self.lines[-1].endswith(("\n", "\r")):
            self.lines[-1] += self.newline

    @property
    def body(self) -> str:
        return "".join(self.lines)

    def joined(self, lines: Sequence[str]) -> str:
        return (_BOM if self.bom else "") + "".join(lines)

    def new(self, text: str) -> str:
        return text + self.newline


def _item(text: _Text, lines: Sequence[str], *, dash: int, content: int) -> list[str]:
    lead = " " * dash + "-" + " " * max(1, content - dash - 1)
    indent = " " * max(content, dash + 2)
    return [text.new((lead if index == 0 else indent) + line) for index, line in enumerate(lines)]


def append_record(text: str, lines: Sequence[str], *, list_key: str, path: str) -> str:
    """`text` with a record (its `record_lines`) added after the file's last record."""
    doc = _Text(text)
    root = _compose(doc.body, path)
    if root is None:  # empty, or only comments
        return doc.joined(
            [
                *doc.lines,
                doc.new(f"{list_key}:"),
                *_item(doc, lines, dash=ITEM_INDENT, content=ITEM_INDENT + 2),
            ]
        )
    sequence = root if isinstance(root, SequenceNode) else _list_node(root, list_key)
    if sequence is None and isinstance(root, MappingNode):
        return append_record(
            _as_list(doc, root, list_key, path), lines, list_key=list_key, path=path
        )
    if not isinstance(sequence, SequenceNode):
        raise EditError(
            f"{path} holds neither one record nor a {list_key}: list; add the record by hand"
        )
    if sequence.flow_style or not sequence.value:
        raise EditError(
            f"{path} writes {list_key} in flow style ([...]); rewrite it as a block list "
            "(`- ` items) or add the record by hand"
        )
    first = sequence.value[0]
    dash, content = sequence.start_mark.column, first.start_mark.column
    end = _last_line(sequence.value[-1]) + 1
    new = _item(doc, lines, dash=dash, content=content if content > dash else dash + 2)
    return doc.joined([*doc.lines[:end], *new, *doc.lines[end:]])


def _as_list(doc: _Text, root: MappingNode, list_key: str, path: str) -> str:
    """A one-record file turned into an `estimates:` list holding that record, comments kept."""
    if any(line.startswith(("---", "...", "%")) for line in doc.lines):
        raise EditError(f"{path} uses YAML document markers (--- or %); add the record by hand")
    start = root.start_mark.line
    body: list[str] = []
    for line in doc.lines[start:]:
        if not line.strip():
            body.append(line)
        elif not body or all(not item.strip() for item in body):
            body.append(" " * ITEM_INDENT + "- " + line)
        else:
            body.append(" " * (ITEM_INDENT + 2) + line)
    return doc.joined([*doc.lines[:start], doc.new(f"{list_key}:"), *body])


def replace_record(text: str, lines: Sequence[str], *, line: int, path: str) -> str:
    """`text` with the record mapping that starts at 1-based `line` replaced by `lines`.

    Full-line comments inside the old record are kept, above the new one.
    """
    doc = _Text(text)
    root = _compose(doc.body, path)
    candidates: list[Node] = []
    if root is not None:
        candidates.append(root)
        for container in (root, _list_node(root, "estimates"), _list_node(root, "reports")):
            if isinstance(container, SequenceNode):
                candidates.extend(container.value)
    node = next(
        (
            item
            for item in candidates
            if isinstance(item, MappingNode) and item.start_mark.line == line - 1
        ),
        None,
    )
    if node is None:
        raise EditError(f"no record starts at {path}:{line}; replace it by hand")
    start, column, end = node.start_mark.line, node.start_mark.column, _last_line(node)
    while end > start and not doc.lines[end].strip():  # blank lines after it stay
        end -= 1
    prefix = doc.lines[start][:column]
    comments = [item for item in doc.lines[start + 1 : end + 1] if item.lstrip().startswith("#")]
    new = [
        doc.new((prefix if index == 0 else " " * column) + item) for index, item in enumerate(lines)
    ]
    return doc.joined([*doc.lines[:start], *comments, *new, *doc.lines[end + 1 :]])


# --- the checked edit -----------------------------------------------------------------------


def _sourced(artifacts: Artifacts) -> list[Sourced[Any]]:
    return [*artifacts.plans, *artifacts.estimates, *artifacts.reports]


def _records(artifacts: Artifacts) -> list[BaseModel]:
    return [item.record for item in _sourced(artifacts)]


def _errors(artifacts: Artifacts) -> list[str]:
    return [
        f"{item.location}: {item.message}"
        for item in artifacts.findings
        if item.severity is Severity.ERROR
    ]


def edit_records_file(
    *,
    path: str,
    old: bytes | None,
    record: BaseModel,
    kind: ArtifactKind,
    list_key: str,
    replace_line: int | None = None,
    max_aliases: int = 100,
) -> bytes:
    """The new bytes of `path` with `record` added (or replacing the one at `replace_line`),
    verified by loading both versions; raises `EditError` rather than lose anything."""
    lines = record_lines(record.model_dump(exclude_none=True))
    if old is None:
        text = append_record("", lines, list_key=list_key, path=path)
        before: list[Sourced[Any]] = []
    else:
        try:
            original = old.decode("utf-8")
        except UnicodeDecodeError as error:
            raise EditError(f"{path} is not UTF-8; save it as UTF-8 first") from error
        loaded = load_artifact(path, old, kind, max_aliases=max_aliases)
        has_yaml = _compose(original.removeprefix(_BOM), path) is not None
        problems = _errors(loaded) if has_yaml else []
        if problems:
            raise EditError(
                f"{problems[0]}; fix {path} first (estimate never edits a file it cannot read)"
            )
        before = _sourced(loaded)
        if replace_line is None:
            text = append_record(original, lines, list_key=list_key, path=path)
        else:
            text = replace_record(original, lines, line=replace_line, path=path)
    data = text.encode("utf-8")
    after = load_artifact(path, data, kind, max_aliases=max_aliases)
    expected = [record if item.line == replace_line else item.record for item in before]
    if replace_line is None:
        expected.append(record)
    if _errors(after) or _records(after) != expected:
        raise EditError(
            f"{path} is laid out in a way the editor cannot extend without changing its other "
            "records; nothing was written. Add the record by hand:\n" + "\n".join(lines)
        )
    return data


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename, so a reader never sees half a file; the file
    keeps its permissions."""
    if path.is_symlink():
        raise EditError(f"{path} is a symbolic link; write only to regular files")
    try:
        replace_file(path, data)
    except OSError as error:
        raise EditError(f"cannot write {path}: {error.strerror}") from error
