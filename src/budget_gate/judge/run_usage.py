"""Each agent run's token spend as the OpenTelemetry GenAI conventions count it.

The report aggregates spend per slice; dashboards want it per run and per model
(`gen_ai.client.token.usage` is one record per usage report), so the report keeps these small
values beside the aggregate. Input tokens are prompt tokens (cache reads and writes included),
output tokens are completion tokens (reasoning included), as in the usage report itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from budget_gate.models.common import Phase
from budget_gate.models.usage import UsageReport


@dataclass(frozen=True, slots=True)
class ModelTokens:
    """One model's input and output tokens in a run (`provider` / `model` None when unknown)."""

    provider: str | None
    model: str | None
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class RunUsage:
    run_id: str
    agent_id: str
    duration_seconds: float
    phase: Phase | None
    """The run's one phase (`phase:`); None for a breakdown (`phases:`) or no phase."""
    models: tuple[ModelTokens, ...]
    """One row per `usage_by_model` row, else one row for the whole run."""


def run_usage(report: UsageReport) -> RunUsage:
    """The run's spend per model; rows without a provider inherit the run's."""
    if report.usage_by_model:
        models = tuple(
            ModelTokens(
                provider=row.provider or report.provider,
                model=row.model,
                input_tokens=row.prompt_tokens,
                output_tokens=row.completion_tokens,
            )
            for row in report.usage_by_model
        )
    else:
        models = (
            ModelTokens(
                provider=report.provider,
                model=report.model,
                input_tokens=report.actual_prompt_tokens,
                output_tokens=report.actual_completion_tokens,
            ),
        )
    return RunUsage(
        run_id=report.run_id,
        agent_id=report.agent_id,
        duration_seconds=float(report.duration_seconds),
        phase=report.phase,
        models=models,
    )


def tokens_by_agent(runs: Iterable[UsageReport]) -> Counter[str]:
    """Tokens each agent spent over the runs."""
    spent: Counter[str] = Counter()
    for run in runs:
        spent[run.agent_id] += run.actual_total_tokens
    return spent


def tokens_by_model(runs: Iterable[UsageReport]) -> Counter[str]:
    """Tokens each model spent over the runs (`usage_by_model` rows, else the run's `model`);
    runs naming no model are left out."""
    spent: Counter[str] = Counter()
    for run in runs:
        if run.usage_by_model:
            for row in run.usage_by_model:
                spent[row.model] += row.prompt_tokens + row.completion_tokens
        elif run.model:
            spent[run.model] += run.actual_total_tokens
    return spent


def biggest(spent: Counter[str]) -> str | None:
    """The key that spent most (ties: the first alphabetically); None when there is none."""
    if not spent:
        return None
    return min(spent, key=lambda key: (-spent[key], key))
