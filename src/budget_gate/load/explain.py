"""Pydantic errors and unknown keys in plain words, at the line of the offending field.

A PR author reads these in a comment; a pydantic dump ("Input should be a valid integer") tells
them nothing about what to type. Each error becomes one finding with the field, the value that
was found, what was expected and how to fix it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from budget_gate.load.model_fields import (
    EXAMPLE_TIMESTAMP,
    bound_words,
    expected_words,
    field_info,
    field_names,
    is_id,
    nested_models,
    whole_number_words,
)
from budget_gate.load.yaml_reader import YamlDocument
from budget_gate.models.common import FIELD_PLACEHOLDER, ID_PATTERN
from budget_gate.models.findings import Finding, FindingCode

_EXTENSION_PREFIXES = ("x-", "x_")
_QUOTED = re.compile(r"'([^']*)'")
_GENERIC_WORDS = frozenset({"actual", "estimated", "tokens", "id"})
_NOT_ID_CHARS = re.compile(r"[^A-Za-z0-9._:+-]+")


@dataclass(frozen=True, slots=True)
class RecordContext:
    """Where a record sits: its file, its position in the file and what kind of record it is."""

    path: str
    document: YamlDocument
    record: Mapping[str, object]
    prefix: str
    """Field path of the record inside the file, e.g. `reports[2].` (empty for a lone record)."""
    noun: str
    """What the record is, for messages: "usage report", "plan", "config"."""

    @property
    def plan_id(self) -> str | None:
        value = self.record.get("plan_id")
        return value if isinstance(value, str) else None

    def slice_id(self, loc: Sequence[int | str] = ()) -> str | None:
        """The record's slice, or for a plan error inside `slices[i]`, that slice's ID."""
        value = self.record.get("slice_id")
        slices = self.record.get("slices")
        if len(loc) > 1 and loc[0] == "slices" and isinstance(slices, list):
            index = loc[1]
            if isinstance(index, int) and 0 <= index < len(slices):
                item = slices[index]
                value = item.get("slice_id") if isinstance(item, dict) else None
        return value if isinstance(value, str) else None


def explain_error(error: ErrorDetails, model: type[BaseModel], context: RecordContext) -> Finding:
    """One pydantic error as one finding at the line of the field it is about."""
    loc = tuple(part for part in error["loc"] if part != "[key]")
    kind = error["type"]
    value = error.get("input")
    field = _dotted(context.prefix, loc) or context.prefix.rstrip(".") or None
    name = field or context.noun
    line = context.document.line_of(loc, within=context.record)
    message, fix = _words(
        kind, name, value, error, field_info(model, loc), is_key=len(loc) != len(error["loc"])
    )
    if kind in ("value_error", "assertion_error"):
        line = _sibling_line(loc, context) or line
    if not loc and kind == "value_error" and "appears twice" in message:
        loc, line = _duplicate_slice(context, line)
        field = _dotted(context.prefix, loc)
    return Finding.of(
        FindingCode.INVALID_ARTIFACT,
        message,
        path=context.path,
        line=line,
        plan_id=context.plan_id,
        slice_id=context.slice_id(loc),
        fix=fix,
        field=field,
    )


def unknown_fields(model: type[BaseModel], context: RecordContext) -> list[Finding]:
    """Keys no model knows (nested too), as warnings with a "did you mean" where one is close.

    Keys starting with `x-` or `x_` are the user's own extensions and are never reported.
    """
    findings: list[Finding] = []
    _walk_unknown(model, context.record, context.prefix, context, findings)
    return findings


def _walk_unknown(
    model: type[BaseModel],
    raw: Mapping[str, object],
    prefix: str,
    context: RecordContext,
    out: list[Finding],
) -> None:
    names = field_names(model)
    if not names.issuperset(raw):
        lines = context.document.key_lines(raw)
        for key in raw:
            if key in names or str(key).startswith(_EXTENSION_PREFIXES):
                continue
            out.append(_unknown(str(key), names, prefix, lines.get(key), context))
    for name, (shape, inner) in nested_models(model).items():
        value = raw.get(name)
        if shape == "model" and isinstance(value, dict):
            _walk_unknown(inner, value, f"{prefix}{name}.", context, out)
        elif shape == "list" and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    _walk_unknown(inner, item, f"{prefix}{name}[{index}].", context, out)
        elif shape == "dict" and isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, dict):
                    _walk_unknown(inner, item, f"{prefix}{name}.{key}.", context, out)


def _unknown(
    key: str, names: frozenset[str], prefix: str, line: int | None, context: RecordContext
) -> Finding:
    guess = _closest(key, names)
    where = f" (in {prefix.rstrip('.')})" if prefix else ""
    message = f"unknown field {key!r} in this {context.noun}{where}"
    if guess is not None:
        message += f"; did you mean {guess}?"
        fix = f"rename it to {guess}, or to x-{key} if it is your own extra field"
    else:
        fix = f"remove it, or rename it to x-{key} to keep it as your own extra field"
    return Finding.of(
        FindingCode.UNKNOWN_FIELD,
        message,
        path=context.path,
        line=line if line is not None else context.document.start_line(context.record),
        plan_id=context.plan_id,
        slice_id=context.slice_id(),
        fix=fix,
        field=f"{prefix}{key}",
    )


def _closest(key: str, names: frozenset[str]) -> str | None:
    """The known name the user most likely meant (case-insensitive), if any is close."""
    import difflib  # here: only an unknown key needs it

    folded = {name.casefold(): name for name in names}
    matches = difflib.get_close_matches(key.casefold(), sorted(folded), n=1, cutoff=0.6)
    return folded[matches[0]] if matches else None


def _words(
    kind: str,
    name: str,
    value: object,
    error: ErrorDetails,
    info: Any,
    *,
    is_key: bool,
) -> tuple[str, str]:
    """(message, fix) for one error type; the message names the field and the value found."""
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    leaf = name.rsplit(".", 1)[-1]
    got = f", got {shown(value)}"
    if kind == "missing":
        return f"missing required field {name}", f"add `{leaf}: …` ({expected_words(info)})"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return (
            f"{name} must be {whole_number_words(info)}{got}",
            f"write {leaf} as {whole_number_words(info)}, e.g. 0",
        )
    if kind in ("float_type", "float_parsing"):
        return f"{name} must be a number{bound_words(info)}{got}", f"write {leaf} as a number"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return _bounds_words(kind, name, value, ctx)
    if kind in ("bool_type", "bool_parsing"):
        return f"{name} must be true or false{got}", f"write {leaf}: true or {leaf}: false"
    if kind == "finite_number":
        return f"{name} must be a finite number{got}", f"write {leaf} as an ordinary number"
    if kind == "enum":
        return _enum_words(name, leaf, value, ctx, is_key=is_key)
    if kind == "timezone_aware":
        what = "has no timezone" if isinstance(value, datetime.datetime) else "is a date only"
        return (
            f"{name} {shown(value)} {what}; add a timezone, e.g. {EXAMPLE_TIMESTAMP}",
            f"write a full timestamp with a timezone, e.g. {leaf}: {EXAMPLE_TIMESTAMP}",
        )
    if kind.startswith(("datetime_", "date_")):
        return (
            f"{name} must be a timestamp with a timezone{got}",
            f"write it like {leaf}: {EXAMPLE_TIMESTAMP}",
        )
    if kind == "string_pattern_mismatch":
        return _pattern_words(name, leaf, value, str(ctx.get("pattern", "")))
    if kind == "string_type" and value is None:
        return f"{name} is empty (null)", f"write a value after `{leaf}:`"
    if kind == "string_type":
        expected = "an ID (text)" if is_id(info) else "text"
        return f"{name} must be {expected}{got}", f"write {leaf} as text, quoted if in doubt"
    if kind == "string_too_short":
        return f"{name} must not be empty", f"write a value for {leaf}"
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return f"{name} is longer than {limit} characters", f"shorten {leaf}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{name} must be a mapping of fields{got}", f"write {leaf} as `key: value` lines"
    if kind in ("list_type", "tuple_type", "set_type"):
        example = f"[{value}]" if isinstance(value, str | int | float) else "[…]"
        return f"{name} must be a list{got}", f"write it as a list, e.g. {leaf}: {example}"
    if kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
        message, _, fix = text.partition("; ")
        return message.replace(FIELD_PLACEHOLDER, name, 1), fix or f"correct {name}"
    if kind == "recursion_loop":
        return f"{name} refers to itself through an alias", "write the values out without aliases"
    return f"{name}: {error['msg']}{got}", f"correct {leaf}"


def _enum_words(
    name: str, leaf: str, value: object, ctx: Mapping[str, Any], *, is_key: bool
) -> tuple[str, str]:
    allowed = _QUOTED.findall(str(ctx.get("expected", "")))
    choices = ", ".join(allowed)
    match = _closest(value, frozenset(allowed)) if isinstance(value, str) else None
    if is_key:
        message = (
            f"{name.rsplit('.', 1)[0]} has the key {shown(value)}; keys must be one of {choices}"
        )
    else:
        message = f"{name} must be one of {choices}, got {shown(value)}"
    if match is not None:
        fix = f"write {match} (spelled and cased like that)" if is_key else f"write {leaf}: {match}"
        return f"{message}; did you mean {match}?", fix
    return message, f"use one of: {choices}" if is_key else f"set {leaf} to one of: {choices}"


def _pattern_words(name: str, leaf: str, value: object, pattern: str) -> tuple[str, str]:
    if pattern == ID_PATTERN:
        suggestion = _NOT_ID_CHARS.sub("-", str(value)).strip("-._:+") or "S1"
        return (
            f"{name} {shown(value)} is not a valid ID: use only letters, digits and . _ : + - "
            "and start with a letter or digit (no slashes or spaces, so PLAN/SLICE stays clear)",
            f"rename it, e.g. {leaf}: {suggestion}",
        )
    if "0-9a-fA-F" in pattern:
        return (
            f"{name} {shown(value)} is not a commit SHA (7 to 64 hexadecimal digits)",
            "copy the SHA from `git log`",
        )
    return f"{name} {shown(value)} does not match the pattern {pattern}", f"correct {leaf}"


def _bounds_words(kind: str, name: str, value: object, ctx: Mapping[str, Any]) -> tuple[str, str]:
    symbol, key = {
        "greater_than_equal": ("≥", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("≤", "le"),
        "less_than": ("<", "lt"),
    }[kind]
    bound = ctx.get(key)
    number_field = isinstance(bound, float)  # a float bound marks a field of any number
    if isinstance(bound, float) and bound.is_integer():
        bound = int(bound)
    whole = isinstance(value, int) and not isinstance(value, bool) and not number_field
    what = "a whole number" if whole else "a number"
    return (
        f"{name} must be {what} {symbol} {bound}, got {shown(value)}",
        f"use a value {symbol} {bound}",
    )


def shown(value: object) -> str:
    """A value as the user wrote it in YAML, short enough for a one-line message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__} value"


def _dotted(prefix: str, loc: Sequence[int | str]) -> str:
    out = prefix.rstrip(".")
    for part in loc:
        out = f"{out}[{part}]" if isinstance(part, int) else f"{out}.{part}" if out else str(part)
    return out


def _sibling_line(loc: Sequence[int | str], context: RecordContext) -> int | None:
    """For a cross-field rule on a field the user left out (a default), the line of the present
    field most like it: `actual_cache_write_tokens` -> `actual_cache_read_tokens`."""
    container: object = context.record
    for part in loc[:-1]:
        if isinstance(container, dict) and isinstance(part, str):
            container = container.get(part)
        elif isinstance(container, list) and isinstance(part, int) and part < len(container):
            container = container[part]
    if not loc or not isinstance(container, dict) or loc[-1] in container:
        return None
    words = set(str(loc[-1]).split("_")) - _GENERIC_WORDS
    lines = context.document.key_lines(container)
    best = max(lines, key=lambda key: len(words & set(key.split("_"))), default=None)
    if best is None or not words & set(best.split("_")):
        return None
    return lines[best]


def _duplicate_slice(context: RecordContext, line: int) -> tuple[tuple[int | str, ...], int]:
    """A plan's duplicate slice_id is reported at the second slice that uses it."""
    slices = context.record.get("slices")
    seen: set[object] = set()
    for index, item in enumerate(slices if isinstance(slices, list) else []):
        slice_id = item.get("slice_id") if isinstance(item, dict) else None
        if slice_id in seen:
            loc: tuple[int | str, ...] = ("slices", index, "slice_id")
            return loc, context.document.line_of(loc, within=context.record)
        seen.add(slice_id)
    return (), line
