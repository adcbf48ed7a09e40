"""The developer-agent usage report: what one agent run actually spent.

Token fields follow the OpenTelemetry GenAI meanings: prompt tokens include cache reads and
writes, completion tokens include reasoning, total = prompt + completion.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StrictBool, ValidationInfo, field_validator

from budget_gate.models.common import (
    ArtifactModel,
    Count,
    Identifier,
    NonNegativeNumber,
    Phase,
    SliceRef,
    Timestamp,
)

CommitSha = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{7,64}$")]
UsageFieldPath = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")
]


class RunStatus(StrEnum):
    PASS = "PASS"  # noqa: S105 - a run status, not a secret
    FAIL = "FAIL"
    BLOCKED = "BLOCKED"


class CostSource(StrEnum):
    REPORTED = "reported"
    COMPUTED = "computed"


def _cache_within_prompt(cache_write: int, info: ValidationInfo, prefix: str) -> int:
    prompt = info.data.get(f"{prefix}prompt_tokens")
    cache_read = info.data.get(f"{prefix}cache_read_tokens")
    if (
        isinstance(prompt, int)
        and isinstance(cache_read, int)
        and cache_read + cache_write > prompt
    ):
        raise ValueError(
            f"cache tokens ({cache_read} read + {cache_write} write) exceed prompt tokens "
            f"({prompt}); prompt tokens include cache reads and writes, so raise "
            f"{prefix}prompt_tokens or lower the cache counts"
        )
    return cache_write


def _reasoning_within_completion(reasoning: int, info: ValidationInfo, prefix: str) -> int:
    completion = info.data.get(f"{prefix}completion_tokens")
    if isinstance(completion, int) and reasoning > completion:
        raise ValueError(
            f"reasoning tokens ({reasoning}) exceed completion tokens ({completion}); "
            "completion tokens include reasoning"
        )
    return reasoning


class ModelUsage(ArtifactModel):
    """One model's share of a run. `cost_usd` is the row's cost from the price data."""

    model: str = Field(min_length=1, max_length=200)
    provider: str | None = Field(default=None, max_length=100)
    requests: Count | None = None
    prompt_tokens: Count
    completion_tokens: Count
    cache_read_tokens: Count = 0
    cache_write_tokens: Count = Field(default=0, validate_default=True)
    reasoning_tokens: Count = Field(default=0, validate_default=True)
    cost_usd: NonNegativeNumber | None = None

    @field_validator("cache_write_tokens")
    @classmethod
    def _cache(cls, value: int, info: ValidationInfo) -> int:
        return _cache_within_prompt(value, info, "")

    @field_validator("reasoning_tokens")
    @classmethod
    def _reasoning(cls, value: int, info: ValidationInfo) -> int:
        return _reasoning_within_completion(value, info, "")


class PhaseUsage(ArtifactModel):
    requests: Count = 0
    prompt_tokens: Count = 0
    completion_tokens: Count = 0
    duration_seconds: NonNegativeNumber | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class UsageReport(ArtifactModel):
    run_id: Identifier = Field(
        description="Unique ID of the agent run, named by `Agent-Run:` trailers."
    )
    plan_id: Identifier = Field(description="Plan of the slice the run built.")
    slice_id: Identifier = Field(description="Slice the run built.")
    agent_id: Identifier = Field(description="Which agent ran, e.g. `claude-code`.")
    actual_requests: Count = Field(description="Model requests the run made.")
    actual_prompt_tokens: Count = Field(
        description="Prompt tokens, cache reads and writes included."
    )
    actual_completion_tokens: Count = Field(description="Completion tokens, reasoning included.")
    actual_total_tokens: Count = Field(description="Prompt + completion tokens.")
    duration_seconds: NonNegativeNumber = Field(description="Wall-clock duration of the run.")
    status: RunStatus = Field(description="Outcome of the run.")
    report_timestamp: Timestamp = Field(description="When the run ended, ISO 8601 with a timezone.")
    provider: str | None = Field(
        default=None, max_length=100, description="Model provider (`gen_ai.provider.name`)."
    )
    model: str | None = Field(
        default=None, max_length=200, description="Model that spent most (`gen_ai.request.model`)."
    )
    actual_cache_read_tokens: Count = Field(
        default=0, description="Prompt tokens read from the cache."
    )
    actual_cache_write_tokens: Count = Field(
        default=0, validate_default=True, description="Prompt tokens written to the cache."
    )
    actual_reasoning_tokens: Count = Field(
        default=0, validate_default=True, description="Completion tokens spent reasoning."
    )
    usage_by_model: list[ModelUsage] | None = Field(
        default=None, description="Per-model rows when several models ran."
    )
    actual_cost_usd: NonNegativeNumber | None = Field(
        default=None, description="Cost in US dollars; needs `cost_source`."
    )
    cost_source: CostSource | None = Field(
        default=None,
        validate_default=True,
        description="Whether the agent reported the cost or it was computed.",
    )
    phase: Phase | None = Field(default=None, description="The one phase this run worked in.")
    phases: dict[Phase, PhaseUsage] | None = Field(
        default=None, description="Spend per phase, for a run over several phases."
    )
    commits: list[CommitSha] = Field(
        default_factory=list, description="SHAs of the commits the run built."
    )
    session_id: Identifier | None = Field(
        default=None, description="The agent's own session or thread ID."
    )
    tool_calls: Count | None = Field(default=None, description="Tool calls the run made.")
    tokens_estimated: StrictBool = Field(
        default=False,
        description="The token counts are an estimate (e.g. counted from the text because the "
        "agent reported no usage), not the provider's metered figures.",
    )
    source_format: str | None = Field(
        default=None, max_length=50, description="Format `import` read (e.g. `claude-code`)."
    )
    requests_lower_bound: bool = False
    """`actual_requests` is a lower bound: the agent did not count model requests (Codex
    reports turns, each of which made at least one request)."""
    computed_cost_usd: NonNegativeNumber | None = None
    """The cost the price data gives for these tokens, kept beside an agent's reported
    `actual_cost_usd` so both can be shown."""
    price_data: str | None = Field(default=None, max_length=100)
    """The price data computed costs came from, e.g. `genai-prices 0.2.3`."""
    extra_usage: dict[UsageFieldPath, NonNegativeNumber] | None = Field(
        default=None,
        max_length=50,
        description="Usage counts the agent's output had that no other field holds, by their "
        "path in its usage object (e.g. `server_tool_use.web_search_requests`), summed over the "
        "run; not counted in the tokens or the cost.",
    )

    @field_validator("actual_total_tokens")
    @classmethod
    def _total(cls, value: int, info: ValidationInfo) -> int:
        prompt = info.data.get("actual_prompt_tokens")
        completion = info.data.get("actual_completion_tokens")
        if isinstance(prompt, int) and isinstance(completion, int) and value != prompt + completion:
            raise ValueError(
                f"actual_total_tokens is {value} but prompt + completion is "
                f"{prompt + completion}; set actual_total_tokens: {prompt + completion}"
            )
        return value

    @field_validator("actual_cache_write_tokens")
    @classmethod
    def _cache(cls, value: int, info: ValidationInfo) -> int:
        return _cache_within_prompt(value, info, "actual_")

    @field_validator("actual_reasoning_tokens")
    @classmethod
    def _reasoning(cls, value: int, info: ValidationInfo) -> int:
        return _reasoning_within_completion(value, info, "actual_")

    @field_validator("phases")
    @classmethod
    def _one_phase_form(
        cls, value: dict[Phase, PhaseUsage] | None, info: ValidationInfo
    ) -> dict[Phase, PhaseUsage] | None:
        if value is not None and info.data.get("phase") is not None:
            raise ValueError("give either phase (one phase) or phases (a breakdown), not both")
        return value

    @field_validator("cost_source")
    @classmethod
    def _cost_has_source(cls, value: CostSource | None, info: ValidationInfo) -> CostSource | None:
        if value is None and info.data.get("actual_cost_usd") is not None:
            raise ValueError("actual_cost_usd needs cost_source: reported or computed")
        return value

    @property
    def ref(self) -> SliceRef:
        return SliceRef(plan_id=self.plan_id, slice_id=self.slice_id)
