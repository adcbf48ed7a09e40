"""What the models expect, read from their pydantic fields: nested models, bounds, enums.

The loader uses this to find unknown keys at any depth and to say in words what a field should
hold, without repeating any field name outside `models`.
"""

from __future__ import annotations

import datetime
import types
from collections.abc import Sequence
from enum import Enum
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel

from budget_gate.models.common import ID_PATTERN

EXAMPLE_TIMESTAMP = "2026-01-01T12:00:00Z"

Shape = Literal["model", "list", "dict"]


@cache
def field_names(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(model.model_fields)


@cache
def nested_models(model: type[BaseModel]) -> dict[str, tuple[Shape, type[BaseModel]]]:
    """Fields holding further models: a model, a list of models or a dict of models."""
    nested: dict[str, tuple[Shape, type[BaseModel]]] = {}
    for name, info in model.model_fields.items():
        found = model_shape(info.annotation)
        if found is not None:
            nested[name] = found
    return nested


def model_shape(annotation: Any) -> tuple[Shape, type[BaseModel]] | None:
    annotation = without_none(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ("model", annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    inner = without_none(args[-1]) if args else None
    if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
        return None
    if origin is list:
        return ("list", inner)
    return ("dict", inner) if origin is dict else None


def without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def field_info(model: type[BaseModel], loc: Sequence[int | str]) -> Any:
    """The pydantic FieldInfo a loc ends at (None when it ends inside a list or dict)."""
    info: Any = None
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            if current is None or info is None:
                return None
            continue  # a dict key: stay on the dict's field
        info = current.model_fields[part]
        shape = model_shape(info.annotation)
        current = shape[1] if shape is not None else None
    return info


def metadata_value(info: Any, attribute: str) -> Any:
    for item in getattr(info, "metadata", ()):
        found = getattr(item, attribute, None)
        if found is not None:
            return found
    return None


def whole_number_words(info: Any) -> str:
    return f"a whole number{bound_words(info)}"


def bound_words(info: Any) -> str:
    if (low := metadata_value(info, "ge")) is not None:
        return f" ≥ {int(low) if float(low).is_integer() else low}"
    if (low := metadata_value(info, "gt")) is not None:
        return f" > {int(low) if float(low).is_integer() else low}"
    return ""


def is_id(info: Any) -> bool:
    return bool(metadata_value(info, "pattern") == ID_PATTERN)


def expected_words(info: Any) -> str:
    """What a missing field should hold, in words."""
    annotation = without_none(getattr(info, "annotation", None))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(str(item.value) for item in annotation)
    if annotation in (datetime.datetime, AwareDatetime):
        return f"a timestamp with a timezone, e.g. {EXAMPLE_TIMESTAMP}"
    if annotation is int:
        return whole_number_words(info)
    if annotation is float:
        return f"a number{bound_words(info)}"
    if is_id(info):
        return "an ID: letters, digits and . _ : + -"
    return "text" if annotation is str else "`budget-gate schema` shows its format"
