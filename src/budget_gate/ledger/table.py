"""A query's result as text (aligned columns), JSON or CSV.

The same values in every format: JSON and CSV keep them as SQLite returns them (NULL is `null`
or an empty field); text rounds numbers to 4 decimals and shows NULL as `-`. Text lines start
with two spaces and control characters in values are escaped, so no value can start a line
(a workflow command such as `::error::` in a CI log) or break the table.
"""

from __future__ import annotations

import csv
import io
from enum import StrEnum

import orjson

from budget_gate.ledger.queries import QueryResult

INDENT = "  "
_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)}


class TableFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"


def render_table(result: QueryResult, fmt: TableFormat, *, title: str) -> str:
    """`title` names the query (or `sql` for raw SQL)."""
    result = QueryResult(
        columns=result.columns,
        rows=[tuple(v.hex() if isinstance(v, bytes) else v for v in row) for row in result.rows],
    )
    if fmt is TableFormat.JSON:
        rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
        document = {"query": title, "columns": list(result.columns), "rows": rows}
        return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt is TableFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        return buffer.getvalue()
    return _text(result, title=title)


def _text(result: QueryResult, *, title: str) -> str:
    cells = [[_cell(value) for value in row] for row in result.rows]
    widths = [
        max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(result.columns)
    ]
    numeric = [
        bool(result.rows)
        and all(isinstance(row[i], int | float) or row[i] is None for row in result.rows)
        for i in range(len(result.columns))
    ]

    def line(values: list[str]) -> str:
        parts = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return (INDENT + "  ".join(parts)).rstrip()

    out = [f"{INDENT}{_cell(title)}: {len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"]
    if result.columns:
        out.append(line(list(result.columns)))
        out.extend(line(row) for row in cells)
    return "\n".join(out) + "\n"


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value).translate(_CONTROL)
