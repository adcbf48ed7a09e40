"""The gate's config file (`.github/plan-budget-gate.yml`), validated like every artifact."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator

from budget_gate.findings import FindingCode, Severity
from budget_gate.models.budgets import PhaseBudgetOverrides
from budget_gate.models.common import ArtifactModel, Environment, Phase, Thresholds

DEFAULT_CONFIG_PATH = ".github/plan-budget-gate.yml"

Glob = Annotated[str, Field(min_length=1, max_length=500)]


class Mode(StrEnum):
    ENFORCE = "enforce"
    OBSERVE = "observe"


class CommentMode(StrEnum):
    UPDATE = "update"
    RECREATE = "recreate"
    OFF = "off"


class ArtifactPaths(ArtifactModel):
    """Where to look for each artifact (globs relative to the repository root)."""

    plans: list[Glob] = Field(default_factory=lambda: ["plans/*/plan.md", "plans/*/plan.yaml"])
    estimates: list[Glob] = Field(
        default_factory=lambda: [
            "plans/*/estimation.yaml",
            "docs/artifacts/plan-resource-estimation.yaml",
        ]
    )
    usage_reports: list[Glob] = Field(
        default_factory=lambda: [
            "plans/*/usage/*.yaml",
            "docs/artifacts/developer-agent-usage-report.yaml",
        ]
    )
    variance_summary: str = "docs/artifacts/resource-variance-summary.yaml"


# Commit authors and co-authors that mark a commit as agent work. Matched case-insensitively as
# shell-style patterns against `Name <email>`.
DEFAULT_AGENT_IDENTITIES: tuple[str, ...] = (
    "*<noreply@anthropic.com>",
    "claude[bot] <*>",
    "*<*codex*@*>",
    "Codex*<*>",
    "Copilot*<*>",
    "*<*copilot*@users.noreply.github.com>",
    "*<*+copilot-swe-agent@users.noreply.github.com>",
    "devin-ai-integration*<*>",
    "*<*devin-ai-integration*@*>",
    "openhands*<*>",
    "*<openhands@all-hands.dev>",
    "Cursor Agent*<*>",
    "*<cursoragent@cursor.com>",
    "Aider*<*>",
    "* (aider) <*>",
    "google-labs-jules*<*>",
)


class AgentConfig(ArtifactModel):
    identities: list[Glob] = Field(default_factory=lambda: list(DEFAULT_AGENT_IDENTITIES))
    extra_identities: list[Glob] = Field(default_factory=list)

    def all_identities(self) -> list[str]:
        return [*self.identities, *self.extra_identities]


class ThresholdConfig(ArtifactModel):
    """Global default, then per environment and per phase (§6.2)."""

    default: Thresholds = Field(
        default_factory=lambda: Thresholds(warn=0.25, fail=0.5, min_tokens=2000, min_requests=5)
    )
    environments: dict[Environment, Thresholds] = Field(default_factory=dict)
    phases: dict[Phase, Thresholds] = Field(default_factory=dict)


class CommentConfig(ArtifactModel):
    mode: CommentMode = CommentMode.UPDATE


class CheckConfig(ArtifactModel):
    name: str = Field(default="Plan Budget Gate", min_length=1, max_length=100)


class WaiverConfig(ArtifactModel):
    label: str = Field(default="budget-gate:waive", min_length=1, max_length=50)


class TemplateConfig(ArtifactModel):
    """A directory of user templates; any file there replaces the shipped one of that name."""

    directory: str | None = None


class LimitsConfig(ArtifactModel):
    max_file_bytes: int = Field(default=1_048_576, gt=0, le=64 * 1_048_576)
    max_aliases: int = Field(default=100, ge=0, le=100_000)
    max_comment_chars: int = Field(default=65_000, ge=2_000, le=65_536)


class ReleaseConfig(ArtifactModel):
    """How `budget-gate release` finds the previous release: the nearest reachable tag matching
    `tag_pattern` (`git tag --list` wildcards: `*` also matches `/`)."""

    tag_pattern: str = Field(default="v*", min_length=1, max_length=200)

    @field_validator("tag_pattern")
    @classmethod
    def _one_word(cls, value: str) -> str:
        if value.startswith("-") or any(char.isspace() for char in value):
            raise ValueError(
                f"tag_pattern {value!r} must be one word that does not start with '-', "
                'e.g. "v*" or "release-*"'
            )
        return value


class GateConfig(ArtifactModel):
    version: int = 1
    mode: Mode = Mode.ENFORCE
    paths: ArtifactPaths = Field(default_factory=ArtifactPaths)
    agents: AgentConfig = Field(default_factory=AgentConfig)
    severities: dict[FindingCode, Severity] = Field(default_factory=dict)
    thresholds: ThresholdConfig = Field(default_factory=ThresholdConfig)
    comment: CommentConfig = Field(default_factory=CommentConfig)
    check: CheckConfig = Field(default_factory=CheckConfig)
    waiver: WaiverConfig = Field(default_factory=WaiverConfig)
    templates: TemplateConfig = Field(default_factory=TemplateConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    release: ReleaseConfig = Field(default_factory=ReleaseConfig)
    phase_budgets: PhaseBudgetOverrides = Field(default_factory=PhaseBudgetOverrides)
    """Overrides of the shipped `config/phase_budgets.yaml`, field by field (§6.3)."""

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"config version {value} is not supported; use version: 1")
        return value
