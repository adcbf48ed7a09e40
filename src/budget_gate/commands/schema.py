"""`budget-gate schema`: JSON Schemas of every file, for editors and yaml-language-server."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from budget_gate.commands.output import emit
from budget_gate.models.schema import all_schemas


def add_arguments(schema: argparse.ArgumentParser) -> None:
    schema.add_argument("--output", type=Path, help="directory to write one schema file each into")
    schema.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    schemas = all_schemas()
    if args.output is None:
        emit(json.dumps(schemas, indent=2, sort_keys=True), None)
        return 0
    for name, schema in schemas.items():
        emit(json.dumps(schema, indent=2, sort_keys=True) + "\n", args.output / name)
    print(f"wrote {len(schemas)} schemas to {args.output}")
    return 0
