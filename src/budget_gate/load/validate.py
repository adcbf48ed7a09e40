"""One YAML mapping to one validated model, every problem a finding at `path:line`.

Shared by the artifact loader (each record of a file) and the files that are one mapping: the
phase budget file and the variance summary.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from budget_gate.load.explain import RecordContext, explain_error, unknown_fields
from budget_gate.load.yaml_reader import read_yaml
from budget_gate.models.findings import Finding, FindingCode

ModelT = TypeVar("ModelT", bound=BaseModel)


def validate_record(
    model: type[ModelT], context: RecordContext, findings: list[Finding]
) -> ModelT | None:
    """Validate one record; each pydantic error becomes its own finding and each unknown key a
    warning (appended to `findings`)."""
    try:
        record = model.model_validate(context.record)
    except ValidationError as exc:
        findings.extend(
            explain_error(error, model, context) for error in exc.errors(include_url=False)
        )
        record = None
    findings.extend(unknown_fields(model, context))
    return record


def read_mapping(
    path: str, data: bytes, *, max_aliases: int, noun: str, expected: str, fix: str
) -> tuple[RecordContext | None, list[Finding]]:
    """A file that must be one mapping: its context, ready to validate, or None and the findings
    that say why not (`expected` and `fix` word the finding for a file that is not a mapping)."""
    read = read_yaml(data, path=path, max_aliases=max_aliases)
    findings = list(read.findings)
    document = read.document
    if document is None:
        return None, findings
    if not isinstance(document.data, dict):
        findings.append(
            Finding.of(
                FindingCode.INVALID_ARTIFACT,
                expected,
                path=path,
                line=document.line,
                fix=fix,
            )
        )
        return None, findings
    return RecordContext(path, document, document.data, "", noun), findings
