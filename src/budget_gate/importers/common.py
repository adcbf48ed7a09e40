"""What every importer shares: reading JSON / JSON Lines with line numbers, typed field access
whose errors name the file, line and field, and the run an importer hands back.

An importer never raises anything but `AgentOutputError`, whose message is one line a user can act
on (`out.jsonl:14: ...; fix`). Token counts are turned into the OpenTelemetry GenAI meanings
here, once per format: prompt tokens include cache reads and writes, completion tokens include
reasoning.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from budget_gate.cost.pricing import TokenCounts
from budget_gate.errors import GateError
from budget_gate.models.usage import RunStatus

SHOWN_CHARS = 40
MAX_EXTRA_FIELDS = 50
"""At most this many unread usage fields are kept: a file of thousands is not usage."""
_EXTRA_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,99}$")


class AgentOutputError(GateError):
    """The agent output cannot be imported; the message names where and how to fix it."""


@dataclass(frozen=True, slots=True)
class Document:
    """One JSON value of the input and the line it starts on (1-based)."""

    value: Any
    line: int


@dataclass(frozen=True, slots=True)
class UsageUnit:
    """The finest grain a source gives: one request (`requests=1`) or an aggregate of
    `requests` requests (None: unknown). Each unit is priced on its own."""

    model: str | None
    provider: str | None
    tokens: TokenCounts
    requests: int | None


@dataclass(frozen=True, slots=True)
class ImportedRun:
    """What one agent run's output says, before IDs and prices are added."""

    source_format: str
    units: tuple[UsageUnit, ...]
    requests: int
    requests_lower_bound: bool = False
    """`requests` is only a lower bound (the source did not count requests)."""
    status: RunStatus | None = None
    """None: the source does not say how the run ended (`--status` must)."""
    duration_seconds: float | None = None
    """None: the source does not say how long the run took (`--duration` must)."""
    session_id: str | None = None
    reported_cost_usd: float | None = None
    tool_calls: int | None = None
    notes: tuple[str, ...] = ()
    """Caveats about this source, printed and written into the report as comments."""
    extra_usage: Mapping[str, float] = field(default_factory=dict)
    """Usage counts the importer does not read (`server_tool_use.web_search_requests`, a cache
    count a newer release added), summed by their path in the usage object."""


@dataclass(frozen=True, slots=True)
class Fidelity:
    """What one importer reads and how far its figures can be trusted (docs/formats.md)."""

    name: str
    """The format's name on the command line."""
    reads: tuple[str, ...]
    exact: tuple[str, ...]
    lower_bounds: tuple[str, ...]


class ExtraUsage:
    """Collects the usage fields an importer does not read, so none is dropped without a word.

    `read` names the fields (dotted paths) the importer reads or knows to hold no spend of
    their own (a limit, a tier name); a path names its whole subtree. Only non-zero numbers are
    kept: a zero spent nothing, and text is a label, not usage.
    """

    def __init__(self, read: frozenset[str]) -> None:
        self.read = read
        self.totals: dict[str, float] = {}

    def add(self, usage: Fields) -> None:
        self._walk(usage.data, prefix="")

    def _walk(self, data: Mapping[str, Any], *, prefix: str) -> None:
        for key, value in data.items():
            path = f"{prefix}{key}"
            if path in self.read:
                continue
            if isinstance(value, Mapping):
                self._walk(value, prefix=f"{path}.")
            elif _is_amount(value) and value and _EXTRA_KEY.match(path) and self._room(path):
                self.totals[path] = self.totals.get(path, 0) + value

    def _room(self, path: str) -> bool:
        return path in self.totals or len(self.totals) < MAX_EXTRA_FIELDS

    def result(self) -> dict[str, float]:
        return dict(self.totals)


def _is_amount(value: Any) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
        and value >= 0
    )


def naming(run: ImportedRun, *, model: str | None, provider: str | None) -> ImportedRun:
    """`--model` names the model where the output does not (never replacing a name it gives);
    `--provider` says where every request went (e.g. azure for OpenAI models on Azure)."""
    if model is None and provider is None:
        return run
    units = tuple(
        replace(unit, model=unit.model or model, provider=provider or unit.provider)
        for unit in run.units
    )
    return replace(run, units=units)


def read_documents(text: str, *, source: str) -> list[Document]:
    """One JSON document, or JSON Lines (one document per non-blank line)."""
    if not text.strip():
        raise AgentOutputError(f"{source} is empty; pass the file the agent wrote its output to")
    try:
        return [Document(value=json.loads(text), line=_first_content_line(text))]
    except json.JSONDecodeError as error:
        if not error.msg.startswith("Extra data"):
            raise _bad_json(source, text, error, base_line=0, last=True) from None
    return list(_json_lines(text, source=source))


def _json_lines(text: str, *, source: str) -> Iterator[Document]:
    lines = text.splitlines()
    last = max((number for number, line in enumerate(lines, 1) if line.strip()), default=0)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise _bad_json(
                source, line, error, base_line=number - 1, last=number == last
            ) from None
        yield Document(value=value, line=number)


def _bad_json(
    source: str, text: str, error: json.JSONDecodeError, *, base_line: int, last: bool = False
) -> AgentOutputError:
    line = base_line + error.lineno
    what = f"{error.msg[:1].lower()}{error.msg[1:]} column {error.colno}"
    cut_off = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated")
    if cut_off and last:
        return AgentOutputError(
            f"{source}:{line}: the file ends in the middle of a JSON value ({what}), so it looks "
            "truncated; nothing was written. Import the complete output once the agent has "
            "finished (a killed run leaves its last line cut off)"
        )
    if cut_off:
        return AgentOutputError(
            f"{source}:{line}: the line ends in the middle of a JSON value ({what}); nothing "
            "was written. Pass the agent's output unchanged, one JSON object a line"
        )
    return AgentOutputError(
        f"{source}:{line}: not valid JSON ({what}); nothing was written. Pass the agent's "
        "output unchanged (JSON, or JSON Lines with one object a line)"
    )


def _first_content_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            return number
    return 1


class Fields:
    """A JSON object with its location, so every problem names the file, line and field."""

    def __init__(self, data: Any, *, source: str, line: int, path: str = "") -> None:
        if not isinstance(data, Mapping):
            where = path.rstrip(".") or "the line"
            raise AgentOutputError(
                f"{source}:{line}: expected {where} to be a JSON object, got {_shown(data)}"
            )
        self.data: Mapping[str, Any] = data
        self.source = source
        self.line = line
        self.path = path

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def problem(self, key: str, message: str) -> AgentOutputError:
        return AgentOutputError(f"{self.source}:{self.line}: {self.path}{key} {message}")

    def count(self, key: str, *, required: bool = True) -> int:
        """A non-negative whole number (tokens, requests); 0 when absent and not required."""
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.problem(key, "is missing; is this the right format for this file?")
            return 0
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.problem(key, f"must be a whole number, got {_shown(value)}")
        if isinstance(value, float) and not value.is_integer():
            raise self.problem(key, f"must be a whole number, got {value}")
        if value < 0:
            raise self.problem(key, f"must not be negative, got {value}")
        return int(value)

    def number(self, key: str) -> float | None:
        """A non-negative finite number (a cost, a duration), or None when absent."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.problem(key, f"must be a number, got {_shown(value)}")
        if not math.isfinite(value) or value < 0:
            raise self.problem(key, f"must be a non-negative number, got {value}")
        return float(value)

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise self.problem(key, "is missing; is this the right format for this file?")
            return None
        if not isinstance(value, str):
            raise self.problem(key, f"must be a string, got {_shown(value)}")
        return value

    def object(self, key: str, *, required: bool = False) -> Fields | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.problem(key, "is missing; is this the right format for this file?")
            return None
        return Fields(value, source=self.source, line=self.line, path=f"{self.path}{key}.")

    def objects(self, key: str) -> list[Fields]:
        """The objects of a JSON array (empty when absent)."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.problem(key, f"must be a list, got {_shown(value)}")
        return [
            Fields(item, source=self.source, line=self.line, path=f"{self.path}{key}[{index}].")
            for index, item in enumerate(value)
        ]


def tokens(
    fields: Fields,
    *,
    prompt: int,
    completion: int,
    cache_read: int = 0,
    cache_write: int = 0,
    cache_write_1h: int = 0,
    reasoning: int = 0,
    prompt_key: str,
    completion_key: str,
) -> TokenCounts:
    """Token counts in the OpenTelemetry meanings, refusing counts that contradict them."""
    if cache_read + cache_write > prompt:
        raise fields.problem(
            prompt_key,
            f"({prompt}) is smaller than its cached part ({cache_read} read + {cache_write} "
            "written); the file does not follow this format's token conventions",
        )
    if reasoning > completion:
        raise fields.problem(
            completion_key,
            f"({completion}) is smaller than its reasoning part ({reasoning}); the file does "
            "not follow this format's token conventions",
        )
    return TokenCounts(
        prompt=prompt,
        completion=completion,
        cache_read=cache_read,
        cache_write=cache_write,
        cache_write_1h=min(cache_write_1h, cache_write),
        reasoning=reasoning,
    )


def remainder(total: TokenCounts, part: TokenCounts) -> TokenCounts | None:
    """What `total` counts beyond `part`, kind by kind; None when `part` counts more of any kind
    (the sources are inconsistent). Totals that do not split the one-hour cache writes leave
    the remainder without any."""
    prompt = total.prompt - part.prompt
    completion = total.completion - part.completion
    cache_read = total.cache_read - part.cache_read
    cache_write = total.cache_write - part.cache_write
    reasoning = total.reasoning - part.reasoning
    if (
        min(prompt, completion, cache_read, cache_write, reasoning) < 0
        or cache_read + cache_write > prompt
        or reasoning > completion
    ):
        return None
    return TokenCounts(
        prompt=prompt,
        completion=completion,
        cache_read=cache_read,
        cache_write=cache_write,
        reasoning=reasoning,
    )


def split_provider(model: str) -> tuple[str | None, str]:
    """`anthropic/claude-sonnet-4-5` (LiteLLM's form) -> (`anthropic`, `claude-sonnet-4-5`)."""
    provider, sep, name = model.partition("/")
    if sep and provider and name:
        return provider, name
    return None, model


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
