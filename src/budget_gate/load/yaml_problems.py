"""Hostile or broken YAML turned into one sentence with a line and a fix.

Split from `yaml_reader` so the reader stays about parsing and positions: here are the limits
(aliases, depth) and the translation of PyYAML's errors into plain words.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

YAML_TAG = "tag:yaml.org,2002:"
# What PyYAML's scalar constructors raise on values they cannot convert (mostly after an explicit
# tag such as `!!int ''` or `!!timestamp soon`).
VALUE_ERRORS = (ValueError, OverflowError, TypeError, KeyError, IndexError, AttributeError)
SYNTAX_FIX = "correct the YAML at that line (a YAML-aware editor or yamllint points at it)"


class YamlLoadError(Exception):
    """A file-level problem found while loading: message, 1-based line and how to fix it."""

    def __init__(self, message: str, line: int, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.fix = fix


def check_aliases(root: Node, *, max_aliases: int, max_depth: int) -> None:
    """Count alias uses as a full expansion would see them, without expanding anything.

    Each node is visited once (document order); a node reached again is an alias, and its weight
    is 1 plus the aliases inside it, memoised. A billion-laughs file is refused after a few dozen
    steps instead of after a billion.
    """
    seen: set[int] = set()
    active: set[int] = set()
    weights: dict[int, tuple[int, int]] = {}  # id -> (aliases inside, height)

    def visit(node: Node, depth: int) -> tuple[int, int]:
        if depth > max_depth:
            raise too_deep(node.start_mark.line + 1, max_depth)
        active.add(id(node))
        # An alias is the very node it names, so its own position is lost: a mapping entry is
        # placed at its key's line, a list item at the list's start.
        children: list[tuple[Node, int]] = (
            [(part, key.start_mark.line + 1) for key, value in node.value for part in (key, value)]
            if isinstance(node, MappingNode)
            else [(item, node.start_mark.line + 1) for item in node.value]
        )
        uses = height = 0
        for child, line in children:
            key = id(child)
            if key in active:
                raise YamlLoadError(
                    "an alias refers to the mapping or list that contains it, which never ends",
                    line,
                    "replace the alias (*name) with the values it should stand for",
                )
            is_alias = key in seen
            seen.add(key)
            if isinstance(child, ScalarNode):
                uses += is_alias
            else:
                inner, child_height = weights[key] if is_alias else visit(child, depth + 1)
                if depth + 1 + child_height > max_depth:
                    raise too_deep(line, max_depth)
                uses += inner + is_alias
                height = max(height, child_height + 1)
            if uses > max_aliases:
                raise YamlLoadError(
                    f"the file uses more than {max_aliases} aliases (*name), counting aliases "
                    "inside aliased values; this is how 'billion laughs' files blow up",
                    line,
                    "write the values out instead of using anchors and aliases, or raise "
                    "limits.max_aliases in the config",
                )
        active.discard(id(node))
        weights[id(node)] = (uses, height)
        return uses, height

    if not isinstance(root, ScalarNode):
        seen.add(id(root))
        visit(root, 1)


def short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(YAML_TAG) if tag.startswith(YAML_TAG) else tag


def node_kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "mapping"
    return "list" if isinstance(node, SequenceNode) else "scalar"


def too_deep(line: int, max_depth: int) -> YamlLoadError:
    return YamlLoadError(
        f"mappings and lists are nested more than {max_depth} levels deep",
        line,
        "flatten the structure; artifact files need only a few levels",
    )


def bad_value(node: Node, exc: Exception) -> YamlLoadError:
    """A scalar the constructor could not convert: a 30 February, a 5000-digit number, `!!int x`."""
    shown = node.value if isinstance(node, ScalarNode) else node_kind(node)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    message = f"the value {shown!r} cannot be read as {short_tag(node.tag)}"
    if isinstance(exc, ValueError | OverflowError):
        message += f": {str(exc).split(';')[0]}"
    return YamlLoadError(
        message,
        node.start_mark.line + 1,
        "correct the value, or remove the tag (the part starting with !!) if it has one",
    )


def from_yaml_error(exc: yaml.YAMLError, source: str | bytes) -> YamlLoadError:
    """Turn a PyYAML error into a finding keeping the parser's own explanation."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = _count_lines(source, exc.position)
        if exc.reason.startswith("control"):
            what = "a NUL byte" if exc.character == 0 else f"control character {exc.character!r}"
            return YamlLoadError(
                f"the file contains {what} at line {line}",
                line,
                "remove it; YAML files may not contain NUL or other control characters",
            )
        return YamlLoadError(f"the file cannot be read as YAML: {exc.reason}", line, SYNTAX_FIX)
    if not isinstance(exc, yaml.MarkedYAMLError):
        return YamlLoadError(f"the file cannot be read as YAML: {exc}", 1, SYNTAX_FIX)
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and _at_end(source, mark):
        mark = exc.context_mark  # an unclosed quote or bracket: point where it was opened
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else 1
    if _at_end(source, mark):  # still the end: name the last line that has text
        line, column = _last_line(source), 1
    problem = exc.problem or "invalid YAML"
    if exc.context == "expected a single document in the stream":
        return YamlLoadError(
            f"the file holds more than one YAML document (another starts at line {line})",
            line,
            "keep one document per file: remove the extra `---` line, or list several records "
            "under `reports:` / `estimates:`",
        )
    if "could not determine a constructor for the tag" in problem:
        tag = short_tag(problem.partition("tag ")[2].strip("'"))
        return YamlLoadError(
            f"the tag {tag} is not allowed: artifact files hold plain data",
            line,
            "remove the tag (the part starting with !) and write the value as plain YAML",
        )
    detail = f"{exc.context}: {problem}" if exc.context else problem
    if isinstance(exc, yaml.constructor.ConstructorError):
        return YamlLoadError(
            f"the value at line {line} cannot be read: {detail}",
            line,
            "correct the value, or remove the tag (the part starting with !!) if it has one",
        )
    fix = SYNTAX_FIX
    if _tab_indented(source, line):
        fix = "indent with spaces, not tabs (YAML does not allow tabs for indentation)"
    return YamlLoadError(f"YAML syntax error at line {line}, column {column}: {detail}", line, fix)


def _at_end(source: str | bytes, mark: Any) -> bool:
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    return mark is not None and mark.index >= len(text.rstrip())


def _last_line(source: str | bytes) -> int:
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    return text.rstrip().count("\n") + 1


def _tab_indented(source: str | bytes, line: int) -> bool:
    """Whether the given line starts its indentation with a tab (the usual cause of errors)."""
    raw = source if isinstance(source, bytes) else source.encode("utf-8", "replace")
    lines = raw.split(b"\n", line)
    text = lines[line - 1] if 0 < line <= len(lines) else b""
    return b"\t" in text[: len(text) - len(text.lstrip(b" \t"))]


def _count_lines(source: str | bytes, position: int) -> int:
    if isinstance(source, bytes):
        return source.count(b"\n", 0, position) + 1
    return source.count("\n", 0, position) + 1
