"""The phase budget file (`config/phase_budgets.yaml`) and a user's overrides of it.

The shipped file is package data, read once. It is validated like every artifact (each problem
a finding at `path:line`), and so is the combination of a user's `phase_budgets:` overrides with
it: a `bands.warning` that only conflicts with the shipped `within` is reported at the line of
the user's config that set it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from pydantic import ValidationError

from budget_gate.errors import ConfigError
from budget_gate.load.explain import RecordContext, explain_error
from budget_gate.load.resources import config_dir
from budget_gate.load.validate import read_mapping, validate_record
from budget_gate.models.budgets import PhaseBudgetConfig, PhaseBudgetOverrides
from budget_gate.models.findings import Finding, Severity

SHIPPED_NAME = "phase_budgets.yaml"
SHIPPED_PATH = f"config/{SHIPPED_NAME}"
OVERRIDES_KEY = "phase_budgets"
_MAX_ALIASES = 100


def load_phase_budgets(
    path: str, data: bytes, *, max_aliases: int = _MAX_ALIASES
) -> tuple[PhaseBudgetConfig | None, list[Finding]]:
    """A complete phase budget file; None (and findings at `path:line`) when it is not valid."""
    context, findings = read_mapping(
        path,
        data,
        max_aliases=max_aliases,
        noun="phase budget file",
        expected="expected the phase budgets as a mapping (base, weights, complexity, importance, "
        "bands, stop_loss, heuristic, historical)",
        fix=f"start from the shipped {SHIPPED_PATH} and edit its values",
    )
    if context is None:
        return None, findings
    config = validate_record(PhaseBudgetConfig, context, findings)
    if any(finding.severity is Severity.ERROR for finding in findings):
        return None, findings
    return config, findings


@cache
def shipped_phase_budgets() -> PhaseBudgetConfig:
    """The shipped defaults; a broken shipped file is an installation problem (exit 2)."""
    path = config_dir() / SHIPPED_NAME
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(
            f"the shipped {SHIPPED_PATH} cannot be read ({error.strerror}); "
            "reinstall plan-budget-gate"
        ) from error
    config, findings = load_phase_budgets(SHIPPED_PATH, data)
    if config is None:
        first = next(item for item in findings if item.severity is Severity.ERROR)
        raise ConfigError(
            f"the shipped {first.location}: {first.message}; reinstall plan-budget-gate"
        )
    return config


def effective_phase_budgets(overrides: PhaseBudgetOverrides) -> PhaseBudgetConfig:
    """The shipped defaults with a config's `phase_budgets:` laid over them.

    The config loader has already reported invalid combinations as findings; a config built in
    code that combines badly raises `ConfigError` here.
    """
    try:
        return overrides.apply_to(shipped_phase_budgets())
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"phase_budgets.{where}: {first['msg']}") from exc


def override_findings(overrides: PhaseBudgetOverrides, context: RecordContext) -> list[Finding]:
    """Problems that only show when a config's overrides meet the shipped defaults, at the
    lines of the config (`context` is the whole config file)."""
    raw = context.record.get(OVERRIDES_KEY)
    if not isinstance(raw, Mapping):
        return []
    try:
        overrides.apply_to(shipped_phase_budgets())
    except ValidationError as exc:
        inner = RecordContext(
            context.path, context.document, raw, f"{OVERRIDES_KEY}.", context.noun
        )
        return [
            explain_error(error, PhaseBudgetConfig, inner)
            for error in exc.errors(include_url=False)
        ]
    return []
