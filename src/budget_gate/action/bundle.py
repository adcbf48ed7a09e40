"""The two-stage bundle: what an untrusted `pull_request` job hands to a trusted `workflow_run` job.

A fork's pull request runs with a read-only token, so `budget-gate action` there cannot comment
or report a check. It writes this directory instead, the workflow uploads it as an artifact, and
`budget-gate publish --bundle DIR` in a `workflow_run` job (which has a write token) posts it.

    bundle.json   {"version": 1, "repository", "pull_request", "head_sha", "base_sha",
                   "as_of", "published"}
    report.json   the JSON report (`budget-gate check --format json`)
    report.md     the markdown report, for people browsing the artifact

Everything in it came from a job the pull request controls, so `read_bundle` trusts nothing:
sizes are capped, the manifest and the JSON report are validated field by field, the verdict is
recomputed from the findings, and `report.md` is never read (the trusted job renders the report
again from the JSON, through the same escaping templates).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from budget_gate.errors import GateError
from budget_gate.judge.report import (
    BreachLevel,
    Report,
    RunCounts,
    SliceResult,
    Variance,
    Verdict,
    Waiver,
    utc_stamp,
)
from budget_gate.models.common import PlanStatus, SliceRef
from budget_gate.models.config import Mode
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.scope.change import ScopeKind
from budget_gate.scope.slices import ScopeReason

BUNDLE_VERSION = 1
MANIFEST = "bundle.json"
REPORT_JSON = "report.json"
REPORT_MARKDOWN = "report.md"
MAX_REPORT_BYTES = 64 * 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024

Text = Annotated[str, StringConstraints(max_length=20_000)]
Sha = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]
Count = Annotated[int, Field(ge=0, le=10**15)]


class BundleError(GateError):
    """The bundle is missing, malformed or does not belong to the run being published."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class BundleManifest(_Model):
    version: int
    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    pull_request: int = Field(ge=1)
    head_sha: Sha
    base_sha: Sha
    as_of: AwareDatetime | None = None
    published: bool = False
    """The first stage posted comment and check itself (a same-repository PR)."""


class _Estimate(_Model):
    requests: Count | None
    tokens: Count | None
    cost_usd: float | None = None


class _Actual(_Model):
    requests: Count
    tokens: Count
    requests_lower_bound: bool = False
    cost_usd: float | None = None
    computed_cost_usd: float | None = None


class _Delta(_Model):
    requests: int | None
    tokens: int | None
    ratio: float | None
    request_ratio: float | None
    cost_usd: float | None = None
    cost_ratio: float | None = None


class _Runs(_Model):
    passed: Count = Field(alias="pass")
    fail: Count
    blocked: Count


class _Numbers(_Model):
    estimate: _Estimate
    actual: _Actual
    variance: _Delta
    breach: BreachLevel
    drivers: list[Text] = Field(max_length=100)
    runs: _Runs

    def to_variance(self) -> Variance:
        return Variance(
            estimated_requests=self.estimate.requests,
            estimated_tokens=self.estimate.tokens,
            actual_requests=self.actual.requests,
            actual_tokens=self.actual.tokens,
            request_variance=self.variance.requests,
            token_variance=self.variance.tokens,
            variance_ratio=self.variance.ratio,
            request_variance_ratio=self.variance.request_ratio,
            breach=self.breach,
            drivers=tuple(self.drivers),
            requests_lower_bound=self.actual.requests_lower_bound,
            estimated_cost_usd=self.estimate.cost_usd,
            actual_cost_usd=self.actual.cost_usd,
            computed_cost_usd=self.actual.computed_cost_usd,
            cost_variance_usd=self.variance.cost_usd,
            cost_variance_ratio=self.variance.cost_ratio,
        )

    def to_runs(self) -> RunCounts:
        return RunCounts(passed=self.runs.passed, failed=self.runs.fail, blocked=self.runs.blocked)


class _Slice(_Numbers):
    plan_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    slice_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    title: Text | None
    status: PlanStatus
    reasons: list[ScopeReason] = Field(max_length=10)
    plan_path: Text
    estimate_path: Text | None
    run_ids: list[Text] = Field(max_length=100_000)


class _Finding(_Model):
    code: FindingCode
    severity: Severity
    message: Text
    path: Text | None
    line: Annotated[int, Field(ge=1)] | None
    plan_id: Text | None
    slice_id: Text | None
    field: Text | None = None
    fix: Text | None = None


class _Waiver(_Model):
    label: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    applied: bool


class _Report(_Model):
    verdict: Verdict
    mode: Mode
    kind: ScopeKind
    base: Text | None
    head: Text | None
    generated_at: AwareDatetime
    waiver: _Waiver | None
    notes: list[Text] = Field(max_length=100)
    slices: list[_Slice] = Field(max_length=100_000)
    findings: list[_Finding] = Field(max_length=200_000)
    totals: _Numbers
    price_data: Text | None = None


def _report(data: _Report) -> Report:
    findings = tuple(
        Finding(
            code=item.code,
            message=item.message,
            severity=item.severity,
            path=item.path,
            line=item.line,
            plan_id=item.plan_id,
            slice_id=item.slice_id,
            fix=item.fix,
            field=item.field,
        )
        for item in data.findings
    )
    slices = tuple(
        SliceResult(
            ref=SliceRef(plan_id=item.plan_id, slice_id=item.slice_id),
            title=item.title,
            status=item.status,
            reasons=frozenset(item.reasons),
            variance=item.to_variance(),
            runs=item.to_runs(),
            plan_path=item.plan_path,
            plan_line=0,  # the JSON report has no line; links point at the file
            estimate_path=item.estimate_path,
            run_ids=tuple(item.run_ids),
        )
        for item in data.slices
    )
    return Report(
        verdict=data.verdict,
        mode=data.mode,
        kind=data.kind,
        base=data.base,
        head=data.head,
        slices=slices,
        findings=findings,
        totals=data.totals.to_variance(),
        total_runs=data.totals.to_runs(),
        generated_at=data.generated_at,
        waiver=Waiver(label=data.waiver.label, applied=data.waiver.applied)
        if data.waiver
        else None,
        notes=tuple(data.notes),
        price_data=data.price_data,
    )


@dataclass(frozen=True, slots=True)
class Bundle:
    manifest: BundleManifest
    report: Report
    report_path: Path
    """Where the bundle's JSON report is, for the `report-path` output."""


def write_manifest(
    directory: Path,
    *,
    report: Report,
    repository: str,
    pull_request: int,
    base_sha: str,
    as_of: datetime | None,
    published: bool,
) -> None:
    """Complete the report files in `directory` (report.json, report.md) into a bundle."""
    manifest = {
        "version": BUNDLE_VERSION,
        "repository": repository,
        "pull_request": pull_request,
        "head_sha": report.head,
        "base_sha": base_sha,
        "as_of": utc_stamp(as_of) if as_of is not None else None,
        "published": published,
    }
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    except OSError as error:
        raise BundleError(f"cannot write the bundle in {directory}: {error.strerror}") from None


def _load(directory: Path, name: str, max_bytes: int) -> Any:
    path = directory / name
    try:
        if path.is_symlink() or not path.is_file():
            raise BundleError(
                f"bundle {directory} has no file {name}; download the artifact the pull_request "
                "run uploaded into this directory (see docs/workflows/fork-safe-publish.yml)"
            )
        if path.stat().st_size > max_bytes:
            raise BundleError(f"bundle file {path} is over {max_bytes:,} bytes; it is no bundle")
        return json.loads(path.read_bytes())
    except OSError as error:
        raise BundleError(f"bundle file {path} cannot be read: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"bundle file {path} is not valid JSON: {error}") from None


def _problem(path: Path, error: ValidationError) -> BundleError:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the top level"
    return BundleError(f"bundle file {path}: {where}: {first['msg']}; it is no valid bundle")


def read_bundle(directory: Path) -> Bundle:
    """The bundle in `directory`, validated as untrusted input (see the module docstring)."""
    try:
        manifest = BundleManifest.model_validate(_load(directory, MANIFEST, MAX_MANIFEST_BYTES))
    except ValidationError as error:
        raise _problem(directory / MANIFEST, error) from None
    if manifest.version != BUNDLE_VERSION:
        raise BundleError(
            f"bundle {directory} has version {manifest.version}, this budget-gate reads version "
            f"{BUNDLE_VERSION}; use the same action version in both workflows"
        )
    try:
        data = _Report.model_validate(_load(directory, REPORT_JSON, MAX_REPORT_BYTES))
    except ValidationError as error:
        raise _problem(directory / REPORT_JSON, error) from None
    report = _report(data)
    failed = any(item.severity is Severity.ERROR for item in report.findings)
    if report.verdict is not (Verdict.FAIL if failed else Verdict.PASS):
        raise BundleError(
            f"bundle file {directory / REPORT_JSON} says {report.verdict.value} but its findings "
            "say otherwise; it was not written by budget-gate"
        )
    if report.head != manifest.head_sha:
        raise BundleError(
            f"bundle {directory}: the report judged {report.head} but the manifest names "
            f"{manifest.head_sha}; it is no bundle of one run"
        )
    return Bundle(manifest=manifest, report=report, report_path=directory / REPORT_JSON)
