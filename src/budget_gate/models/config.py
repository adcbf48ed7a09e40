"""The gate's config file (`.github/plan-budget-gate.yml`), validated like every artifact."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, field_validator

from budget_gate.models.budgets import PhaseBudgetOverrides
from budget_gate.models.common import (
    FIELD_PLACEHOLDER,
    ArtifactModel,
    Environment,
    Phase,
    Thresholds,
)
from budget_gate.models.findings import FindingCode, Severity
from budget_gate.models.telemetry import TelemetryConfig

DEFAULT_CONFIG_PATH = ".github/plan-budget-gate.yml"

Glob = Annotated[str, Field(min_length=1, max_length=500)]

# Artifact paths reach shells: a workflow passes `summary-path` to a `run:` step, a user pastes
# one into a command. So they hold only characters no shell reads specially.
_PATH_CHARS = re.compile(r"[A-Za-z0-9_./+@=,-]")
_GLOB_CHARS = re.compile(r"[A-Za-z0-9_./+@=,*?\[\]!^-]")
_SAFE_WORDS = "letters, digits and _ . / - + @ = ,"


def _safe(value: str, *, glob: bool) -> str:
    """A repository path (or glob) safe in any shell: no metacharacter, no `..`, no leading
    `-` (an option to most commands)."""
    allowed = _GLOB_CHARS if glob else _PATH_CHARS
    bad = sorted({char for char in value if not allowed.fullmatch(char)})
    what = "glob" if glob else "path"
    chars = f"{_SAFE_WORDS}{' and * ? [ ] ! ^' if glob else ''}"
    suggestion = "".join(char if allowed.fullmatch(char) else "-" for char in value)
    if bad:
        shown = " ".join(repr(char)[1:-1] if char != " " else "space" for char in bad)
        raise ValueError(
            f"{FIELD_PLACEHOLDER} {value!r} has characters a shell reads specially ({shown}); an "
            f"artifact {what} may hold only {chars}; rename it, e.g. {suggestion}"
        )
    if ".." in value.split("/"):
        raise ValueError(
            f"{FIELD_PLACEHOLDER} {value!r} has a `..` segment, which leaves its directory; "
            f"write the {what} from the repository root without `..`"
        )
    if value.startswith("-"):
        raise ValueError(
            f"{FIELD_PLACEHOLDER} {value!r} starts with '-', which commands read as an option; "
            f"start it with a directory or letter, e.g. {value.lstrip('-') or 'docs/summary.yaml'}"
        )
    return value


def _safe_glob(value: str) -> str:
    return _safe(value, glob=True)


def _safe_path(value: str) -> str:
    return _safe(value, glob=False)


ArtifactGlob = Annotated[Glob, AfterValidator(_safe_glob)]
ArtifactPath = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_safe_path)]


class Mode(StrEnum):
    ENFORCE = "enforce"
    OBSERVE = "observe"


class CommentMode(StrEnum):
    UPDATE = "update"
    RECREATE = "recreate"
    OFF = "off"


class ArtifactPaths(ArtifactModel):
    """Where to look for each artifact (globs relative to the repository root)."""

    plans: list[ArtifactGlob] = Field(
        default_factory=lambda: ["plans/*/plan.md", "plans/*/plan.yaml"],
        description="Globs of plan files (YAML, or markdown with YAML front matter).",
    )
    estimates: list[ArtifactGlob] = Field(
        default_factory=lambda: [
            "plans/*/estimation.yaml",
            "docs/artifacts/plan-resource-estimation.yaml",
        ],
        description="Globs of estimation record files; `estimate` writes to the first match.",
    )
    usage_reports: list[ArtifactGlob] = Field(
        default_factory=lambda: [
            "plans/*/usage/*.yaml",
            "docs/artifacts/developer-agent-usage-report.yaml",
        ],
        description="Globs of usage report files; `import` writes beside the plan.",
    )
    variance_summary: ArtifactPath = Field(
        default="docs/artifacts/resource-variance-summary.yaml",
        description="Where `release` writes the variance summary (and `.md` beside it); "
        "letters, digits and `_ . / - + @ = ,` only, no `..`.",
    )


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
    identities: list[Glob] = Field(
        default_factory=lambda: list(DEFAULT_AGENT_IDENTITIES),
        description="`Name <email>` patterns of agent commit authors; replaces the defaults.",
    )
    extra_identities: list[Glob] = Field(
        default_factory=list,
        description="Patterns added to `identities` (keeps the defaults).",
    )

    def all_identities(self) -> list[str]:
        return [*self.identities, *self.extra_identities]


class ThresholdConfig(ArtifactModel):
    """Global default, then per environment and per phase (§6.2)."""

    default: Thresholds = Field(
        default_factory=lambda: Thresholds(warn=0.25, fail=0.5, min_tokens=2000, min_requests=5),
        description="Thresholds used where nothing more specific sets a value.",
    )
    environments: dict[Environment, Thresholds] = Field(
        default_factory=dict, description="Thresholds per plan environment (POC, MVP, PROD)."
    )
    phases: dict[Phase, Thresholds] = Field(
        default_factory=dict, description="Thresholds per phase, for reports that carry phases."
    )


class CommentConfig(ArtifactModel):
    mode: CommentMode = Field(
        default=CommentMode.UPDATE,
        description="`update` the sticky comment in place, `recreate` it, or `off`.",
    )


class CheckConfig(ArtifactModel):
    name: str = Field(
        default="Plan Budget Gate",
        min_length=1,
        max_length=100,
        description="Name of the check run (the one to require in branch protection).",
    )


class WaiverConfig(ArtifactModel):
    label: str = Field(
        default="budget-gate:waive",
        min_length=1,
        max_length=50,
        description="PR label that turns errors into warnings for that PR, shown in the report.",
    )


class TemplateConfig(ArtifactModel):
    """A directory of user templates; any file there replaces the shipped one of that name."""

    directory: str | None = Field(
        default=None,
        description=(
            "Directory of user templates, relative to the repository root: `report.md.j2` (and "
            "its partials) for the report, `summary.md.j2` and `release_evidence.md.j2` for a "
            "release's variance summary and notes section."
        ),
    )


class LimitsConfig(ArtifactModel):
    max_file_bytes: int = Field(
        default=1_048_576,
        gt=0,
        le=64 * 1_048_576,
        description="Artifact files larger than this are reported, not read.",
    )
    max_aliases: int = Field(
        default=100, ge=0, le=100_000, description="YAML aliases allowed in one artifact file."
    )
    max_comment_chars: int = Field(
        default=65_000,
        ge=2_000,
        le=65_536,
        description="Size the markdown report is cut to (GitHub's comment limit is 65,536).",
    )


class ReleaseConfig(ArtifactModel):
    """How `budget-gate release` finds the previous release: the nearest reachable tag matching
    `tag_pattern` (`git tag --list` wildcards: `*` also matches `/`)."""

    tag_pattern: str = Field(
        default="v*",
        min_length=1,
        max_length=200,
        description="`git tag --list` pattern of release tags; the range starts after one.",
    )

    @field_validator("tag_pattern")
    @classmethod
    def _one_word(cls, value: str) -> str:
        if value.startswith("-") or any(char.isspace() for char in value):
            raise ValueError(
                f"tag_pattern {value!r} must be one word that does not start with '-', "
                'e.g. "v*" or "release-*"'
            )
        return value


LabelName = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[^,\s][^,]*$")]


class RemediationConfig(ArtifactModel):
    """Remediation issues (§6.3): one GitHub issue per slice past its stop-loss, opened,
    updated and closed by the Action on the default branch (opt-in)."""

    issues: StrictBool = Field(
        default=False,
        description=(
            "`true` lets the Action open one `FIX-BUDGET-BREACH PLAN/SLICE` issue per slice past "
            "its stop-loss on pushes to the default branch, scheduled and manual runs (never on "
            "pull requests), update it and close it when the slice recovers; needs "
            "`permissions: issues: write`. Also on with the action input `remediation-issues`."
        ),
    )
    labels: list[LabelName] = Field(
        default_factory=lambda: ["budget-breach"],
        min_length=1,
        max_length=10,
        description=(
            "Labels of the remediation issues; the first is how the Action finds its own issues "
            "again (no commas)."
        ),
    )


class GateConfig(ArtifactModel):
    version: int = Field(default=1, description="Config format version; only 1 exists.")
    mode: Mode = Field(
        default=Mode.ENFORCE,
        description="`enforce` fails on errors; `observe` reports every error as a warning.",
    )
    paths: ArtifactPaths = Field(
        default_factory=ArtifactPaths, description="Where the artifact files are."
    )
    agents: AgentConfig = Field(
        default_factory=AgentConfig, description="Which commit authors are coding agents."
    )
    severities: dict[FindingCode, Severity] = Field(
        default_factory=dict, description="Severity per finding code, replacing the default."
    )
    thresholds: ThresholdConfig = Field(
        default_factory=ThresholdConfig, description="Variance thresholds (warn / fail)."
    )
    comment: CommentConfig = Field(
        default_factory=CommentConfig, description="The sticky PR comment."
    )
    check: CheckConfig = Field(default_factory=CheckConfig, description="The check run.")
    waiver: WaiverConfig = Field(
        default_factory=WaiverConfig, description="The maintainer's waiver label."
    )
    templates: TemplateConfig = Field(
        default_factory=TemplateConfig,
        description="User templates for the report and the release evidence.",
    )
    limits: LimitsConfig = Field(
        default_factory=LimitsConfig, description="Size limits on input and output."
    )
    release: ReleaseConfig = Field(
        default_factory=ReleaseConfig, description="How `release` finds the previous release."
    )
    phase_budgets: PhaseBudgetOverrides = Field(
        default_factory=PhaseBudgetOverrides,
        description="Overrides of the shipped phase budgets, field by field.",
    )
    """Overrides of the shipped `config/phase_budgets.yaml`, field by field (§6.3)."""
    remediation: RemediationConfig = Field(
        default_factory=RemediationConfig,
        description="Remediation issues for slices past their stop-loss (opt-in).",
    )
    telemetry: TelemetryConfig = Field(
        default_factory=TelemetryConfig,
        description="OpenTelemetry export (`--otel`): its time bound.",
    )

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"config version {value} is not supported; use version: 1")
        return value
