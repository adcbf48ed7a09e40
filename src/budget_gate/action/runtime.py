"""The only module that reads the GitHub Actions runtime: variables, inputs, event, outputs.

GitHub defines the runtime: `GITHUB_*` variables, each action input as `INPUT_<NAME>` (upper
case, hyphens kept: `INPUT_GITHUB-TOKEN`), the event payload at `GITHUB_EVENT_PATH`, outputs
appended to `GITHUB_OUTPUT` as `name<<DELIMITER` blocks, the job summary appended to
`GITHUB_STEP_SUMMARY`, and workflow commands (`::error file=…,line=…::message`) on stdout.
Everything is read and validated once into a frozen `ActionSettings`; a missing or malformed
value is an `ActionError` whose one line names the variable or input and the fix (exit 2).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from budget_gate.errors import GateError
from budget_gate.models.config import CommentMode, Mode

DEFAULT_BUNDLE = ".plan-budget-gate"
MAX_EVENT_BYTES = 32 * 1024 * 1024

INPUT_FIELDS: dict[str, str] = {
    "github-token": "token",
    "config": "config",
    "mode": "mode",
    "comment-mode": "comment_mode",
    "check-name": "check_name",
    "base": "base",
    "head": "head",
    "fail-on-error": "fail_on_error",
    "bundle": "bundle",
    "otel": "otel",
    "remediation-issues": "remediation_issues",
}
"""Each `action.yml` input and the `ActionSettings` field it fills."""

OUTPUT_NAMES = (
    "verdict",
    "findings",
    "uncovered-slices",
    "report-path",
    "summary-path",
    "comment-url",
)

ENV_FIELDS: dict[str, str] = {
    "GITHUB_EVENT_NAME": "event_name",
    "GITHUB_EVENT_PATH": "event_path",
    "GITHUB_REPOSITORY": "repository",
    "GITHUB_API_URL": "api_url",
    "GITHUB_SERVER_URL": "server_url",
    "GITHUB_WORKSPACE": "workspace",
    "GITHUB_SHA": "sha",
    "GITHUB_OUTPUT": "output_file",
    "GITHUB_STEP_SUMMARY": "summary_file",
    "GITHUB_RUN_ID": "run_id",
    "GITHUB_ACTION_REPOSITORY": "action_repository",
    "GITHUB_ACTION_REF": "action_ref",
}
REQUIRED_ENV = frozenset(
    {
        "GITHUB_EVENT_NAME",
        "GITHUB_EVENT_PATH",
        "GITHUB_REPOSITORY",
        "GITHUB_API_URL",
        "GITHUB_SERVER_URL",
        "GITHUB_WORKSPACE",
        "GITHUB_SHA",
    }
)
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


class ActionError(GateError):
    """The Actions runtime is missing or malformed; the message names what and the fix."""


def input_variable(name: str) -> str:
    """`github-token` -> `INPUT_GITHUB-TOKEN`, as the runner names it."""
    return "INPUT_" + name.replace(" ", "_").upper()


class ActionSettings(BaseModel):
    """Everything a run reads from its environment, validated once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z_]+$")
    event_path: Path
    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    api_url: str = Field(pattern=r"^https?://[^\s/]+(/\S*)?$")
    server_url: str = Field(pattern=r"^https?://[^\s/]+(/\S*)?$")
    workspace: Path
    sha: str = Field(pattern=r"^[0-9a-f]{40}$")
    output_file: Path | None = None
    summary_file: Path | None = None
    run_id: str | None = Field(default=None, pattern=r"^[0-9]+$")
    action_repository: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
    )
    action_ref: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_./-]{1,250}$")
    token: SecretStr = SecretStr("")
    config: str | None = Field(default=None, max_length=500)
    mode: Mode | None = None
    comment_mode: CommentMode | None = None
    check_name: str | None = Field(default=None, max_length=100)
    base: str | None = Field(default=None, max_length=250)
    head: str | None = Field(default=None, max_length=250)
    fail_on_error: bool = True
    bundle: str = Field(default=DEFAULT_BUNDLE, min_length=1, max_length=500)
    otel: bool = False
    """Export the report's metrics over OTLP/HTTP (configured by the `OTEL_*` variables)."""
    remediation_issues: bool = False
    """Keep remediation issues (also on with the config's `remediation.issues: true`)."""

    @field_validator("fail_on_error", "otel", "remediation_issues", mode="before")
    @classmethod
    def _boolean(cls, value: object) -> object:
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        if isinstance(value, bool):
            return value
        raise ValueError("must be true or false")

    @field_validator("check_name", "config", "bundle")
    @classmethod
    def _single_line(cls, value: str | None) -> str | None:
        if value is not None and not value.isprintable():
            raise ValueError("must be one line of printable characters")
        return value

    @field_validator("base", "head")
    @classmethod
    def _ref(cls, value: str | None) -> str | None:
        if value is not None and (not value.isprintable() or value.startswith("-") or " " in value):
            raise ValueError("must be a git ref or SHA (no spaces, not starting with '-')")
        return value

    @property
    def run_url(self) -> str | None:
        """The workflow run's page, where the full log and summary are."""
        if self.run_id is None:
            return None
        return f"{self.server_url.rstrip('/')}/{self.repository}/actions/runs/{self.run_id}"

    def in_workspace(self, path: str) -> Path:
        return self.workspace / path

    @property
    def docs_url(self) -> str:
        """The action's workflow docs: in the action's own repository when it is known."""
        page = "docs/workflows/README.md"
        if self.action_repository is None:
            return f"{page} in the plan-budget-gate repository"
        ref = self.action_ref or "HEAD"
        return f"{self.server_url.rstrip('/')}/{self.action_repository}/blob/{ref}/{page}"


_FIXES = {
    "token": "pass github-token: ${{ github.token }} (the default) or a token secret",
    "mode": "use enforce or observe",
    "comment_mode": "use update, recreate or off",
}


def _source(field: str) -> str:
    for name, target in INPUT_FIELDS.items():
        if target == field:
            return f"input {name} ({input_variable(name)})"
    for name, target in ENV_FIELDS.items():
        if target == field:
            return name
    return field


def read_settings(env: Mapping[str, str]) -> ActionSettings:
    """Validate the runtime variables and inputs; raise `ActionError` naming the first problem."""
    missing = sorted(name for name in REQUIRED_ENV if not env.get(name, "").strip())
    if missing:
        raise ActionError(
            f"{missing[0]} is not set; budget-gate action runs inside GitHub Actions, which sets "
            "it (to try it locally, set the GITHUB_* variables yourself)"
        )
    raw: dict[str, Any] = {}
    for name, field in ENV_FIELDS.items():
        value = env.get(name, "").strip()
        if value:
            raw[field] = value
    for name, field in INPUT_FIELDS.items():
        value = env.get(input_variable(name), "").strip()
        if value:
            raw[field] = value
    try:
        return ActionSettings.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        shown = "" if field == "token" else f" (got {str(raw.get(field, ''))[:80]!r})"
        message = first["msg"].removeprefix("Value error, ")
        default_fix = (
            "fix the step's with: value"
            if field in INPUT_FIELDS.values()
            else "GitHub sets it: check that the workflow's env does not override it"
        )
        fix = _FIXES.get(field, default_fix)
        raise ActionError(f"{_source(field)}: {message}{shown}; {fix}") from None


def read_event(settings: ActionSettings) -> dict[str, Any]:
    """The event payload the runner wrote at `GITHUB_EVENT_PATH`, as a JSON object."""
    path = settings.event_path
    where = f"GITHUB_EVENT_PATH {path}"
    try:
        if path.stat().st_size > MAX_EVENT_BYTES:
            raise ActionError(f"{where} is larger than {MAX_EVENT_BYTES:,} bytes; it is no event")
        payload = json.loads(path.read_bytes())
    except OSError as error:
        raise ActionError(f"{where} cannot be read: {error.strerror}; re-run the job") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ActionError(f"{where} is not valid JSON ({error}); re-run the job") from None
    if not isinstance(payload, dict):
        raise ActionError(f"{where} holds {type(payload).__name__}, not a JSON object")
    return payload


# -- workflow commands ---------------------------------------------------------------------------


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF encoded so one command stays one line."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also `:` and `,`, which end a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    """`::name key=value,…::message` with every part escaped."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


class Runtime:
    """Writes what a run leaves behind: log lines, outputs, the job summary."""

    def __init__(self, settings: ActionSettings, stream: TextIO) -> None:
        self.settings = settings
        self.stream = stream

    def emit(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def mask(self, secret: str) -> None:
        """Ask the runner to hide `secret` in the log; it never prints the command itself."""
        if secret:
            self.emit(f"::add-mask::{escape_data(secret)}")

    def annotate(
        self, level: str, message: str, *, file: str | None = None, line: int | None = None
    ) -> None:
        self.emit(command(level, message, file=file, line=line))

    def set_outputs(self, values: Mapping[str, str]) -> None:
        target = self.settings.output_file
        if target is None:
            return
        blocks: list[str] = []
        for name, value in values.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            blocks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        _append(target, "".join(blocks), what="GITHUB_OUTPUT")

    def add_summary(self, markdown: str) -> None:
        target = self.settings.summary_file
        if target is not None:
            _append(target, markdown.rstrip("\n") + "\n", what="GITHUB_STEP_SUMMARY")


def _append(path: Path, text: str, what: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise ActionError(f"cannot write {what} {path}: {error.strerror}") from None
