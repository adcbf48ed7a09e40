"""Types shared by every artifact model: IDs, counts, timestamps and the lifecycle enums."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Strict, StringConstraints

# IDs are strings exactly as written (the loader keeps `NO` and `0012` as text). No slash, so
# `PLAN_ID/SLICE_ID` is unambiguous; no spaces, so they survive commit trailers.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:+-]*$"
Identifier = Annotated[
    str, Strict(), StringConstraints(min_length=1, max_length=128, pattern=ID_PATTERN)
]
# Bounded so a typo of extra digits is caught, not summed into a nonsense total.
Count = Annotated[int, Strict(), Field(ge=0, le=10**15)]
NonNegativeNumber = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Timestamp = AwareDatetime
Ratio = Annotated[float, Strict(), Field(gt=0, le=100, allow_inf_nan=False)]
PositiveUsd = Annotated[float, Strict(), Field(gt=0, le=10**9, allow_inf_nan=False)]

FULL_PLAN = "FULL_PLAN"

FIELD_PLACEHOLDER = "FIELD"
"""A validator of a reusable type cannot know where its value sits: its message writes this
where the field's name goes, and the loader puts the dotted name (`paths.plans[0]`) there."""

# Fields whose YAML scalars the loader must keep as raw text (never bool, int or float).
ID_FIELDS = frozenset({"plan_id", "slice_id", "run_id", "agent_id", "session_id"})


class ArtifactModel(BaseModel):
    """Base of every file format: unknown keys are reported by the loader, not by pydantic."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=False)


class PlanStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    READY_FOR_BUILD = "ready-for-build"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def needs_estimate(self) -> bool:
        """The planning gate: approved or later (and not cancelled) requires an estimate."""
        return self in _APPROVED_OR_LATER

    @property
    def has_agent_work(self) -> bool:
        return self in (PlanStatus.IN_PROGRESS, PlanStatus.DONE)


_APPROVED_OR_LATER = frozenset(
    {PlanStatus.APPROVED, PlanStatus.READY_FOR_BUILD, PlanStatus.IN_PROGRESS, PlanStatus.DONE}
)


class Environment(StrEnum):
    POC = "POC"
    MVP = "MVP"
    PROD = "PROD"


class Complexity(StrEnum):
    TINY = "Tiny"
    SMALL = "Small"
    MEDIUM = "Medium"
    LARGE = "Large"


class Importance(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Phase(StrEnum):
    STRATEGIZE = "STRATEGIZE"
    SPEC = "SPEC"
    PLAN = "PLAN"
    THINK = "THINK"
    IMPLEMENT = "IMPLEMENT"
    VERIFY = "VERIFY"
    REVIEW = "REVIEW"
    PR = "PR"
    MONITOR = "MONITOR"


class SliceRef(NamedTuple):
    """A slice's identity across files: shown as `PLAN_ID/SLICE_ID`.

    A named tuple rather than a dataclass: refs key every index of a run (millions of lookups
    in an audit), and a tuple hashes and compares in C.
    """

    plan_id: str
    slice_id: str

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.slice_id}"

    @classmethod
    def parse(cls, text: str) -> SliceRef | None:
        """Parse a `Plan-Slice:` trailer value; None when it is not `PLAN/SLICE`."""
        plan_id, sep, slice_id = text.strip().partition("/")
        if not sep or not plan_id or not slice_id or "/" in slice_id:
            return None
        return cls(plan_id=plan_id, slice_id=slice_id)


class Thresholds(ArtifactModel):
    """Overrun ratios that flag a slice; any field left out is taken from a less specific level.

    `warn: 0.25` flags a slice whose actual tokens or requests exceed the estimate by 25 %.
    Below the absolute floors (`min_tokens`, `min_requests` of overrun) nothing is flagged.
    `warn_usd` / `fail_usd` flag a slice whose actual cost exceeds its estimated cost by at
    least that many US dollars (only when both costs are known).
    """

    warn: Ratio | None = Field(default=None, description="Overrun ratio that warns (0.25 = 25 %).")
    fail: Ratio | None = Field(default=None, description="Overrun ratio that is a breach.")
    min_tokens: Count | None = Field(
        default=None, description="Token overrun below which nothing is flagged."
    )
    min_requests: Count | None = Field(
        default=None, description="Request overrun below which nothing is flagged."
    )
    warn_usd: PositiveUsd | None = Field(
        default=None, description="Cost overrun in US dollars that warns."
    )
    fail_usd: PositiveUsd | None = Field(
        default=None, description="Cost overrun in US dollars that is a breach."
    )
