"""JSON Schemas of every file the gate reads, for editors (yaml-language-server) and docs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from budget_gate.models.config import GateConfig
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.plan import Plan
from budget_gate.models.summary import VarianceSummary
from budget_gate.models.usage import UsageReport

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _record_or_list(model: type[BaseModel], list_key: str, title: str) -> dict[str, Any]:
    """A file holds one record, a mapping with a list under `list_key`, or a top-level list."""
    record = model.model_json_schema(ref_template="#/$defs/{model}")
    defs = record.pop("$defs", {})
    defs[model.__name__] = record
    ref = {"$ref": f"#/$defs/{model.__name__}"}
    return {
        "$schema": SCHEMA_DIALECT,
        "title": title,
        "anyOf": [
            ref,
            {
                "type": "object",
                "properties": {list_key: {"type": "array", "items": ref}},
                "required": [list_key],
            },
            {"type": "array", "items": ref},
        ],
        "$defs": defs,
    }


def _single(model: type[BaseModel], title: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {"$schema": SCHEMA_DIALECT, **schema, "title": title}


def all_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, one per artifact format and one for the config."""
    return {
        "plan.schema.json": _single(Plan, "Plan Budget Gate plan"),
        "estimation.schema.json": _record_or_list(
            EstimationRecord, "estimates", "Plan Budget Gate estimation records"
        ),
        "usage-report.schema.json": _record_or_list(
            UsageReport, "reports", "Plan Budget Gate developer-agent usage reports"
        ),
        "variance-summary.schema.json": _single(
            VarianceSummary, "Plan Budget Gate resource variance summary"
        ),
        "config.schema.json": _single(GateConfig, "Plan Budget Gate configuration"),
    }
