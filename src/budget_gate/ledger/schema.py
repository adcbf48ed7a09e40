"""The ledger's SQLite schema as data: every table and column with what it means.

One description feeds three things: the `CREATE` statements, the migrations and the schema
section of `docs/formats.md` (`scripts/generate_docs.py`), so the documented schema is the one
the database has. `PRAGMA user_version` is the schema's version; `MIGRATIONS[n]` takes a database
from version n to n + 1, and a new version only ever appends one.
"""

from __future__ import annotations

from dataclasses import dataclass

from budget_gate.models.common import Phase


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    """SQL type with constraints, e.g. `INTEGER NOT NULL`."""
    doc: str


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    constraints: tuple[str, ...] = ()

    def create(self) -> str:
        parts = [f"{column.name} {column.type}" for column in self.columns]
        return f"CREATE TABLE {self.name} (\n  " + ",\n  ".join([*parts, *self.constraints]) + "\n)"


@dataclass(frozen=True, slots=True)
class View:
    name: str
    doc: str
    select: str

    def create(self) -> str:
        return f"CREATE VIEW {self.name} AS {self.select}"


_COMMIT_REF = "INTEGER NOT NULL REFERENCES commits(seq)"

META = Table(
    "meta",
    "How the ledger was built: `walk` (the branch and `--since`/`--range` it follows, as JSON), "
    "`last_commit` (the newest commit stored), `built_by` (the budget-gate version) and "
    "`config` (the config path read at each commit).",
    (
        Column("key", "TEXT PRIMARY KEY", "Setting name."),
        Column("value", "TEXT", "Its value."),
    ),
)
COMMITS = Table(
    "commits",
    "Each commit of the walked first-parent history, oldest first.",
    (
        Column("seq", "INTEGER PRIMARY KEY", "Position in the walk (1 = oldest)."),
        Column("sha", "TEXT NOT NULL UNIQUE", "Full commit SHA."),
        Column("parent", "TEXT", "First parent's SHA (NULL for a root commit)."),
        Column("authored_at", "TEXT NOT NULL", "Author time, UTC, `YYYY-MM-DDTHH:MM:SSZ`."),
        Column("author", "TEXT NOT NULL", "`Name <email>` of the author."),
        Column("subject", "TEXT NOT NULL", "First line of the message."),
    ),
)
TRAILERS = Table(
    "trailers",
    "Commit trailers (`Agent-Run:`, `Plan-Slice:`, `Co-authored-by:` …) as git parses them.",
    (
        Column("commit_seq", _COMMIT_REF, "The commit."),
        Column("position", "INTEGER NOT NULL", "Order in the message (0 = first)."),
        Column("key", "TEXT NOT NULL", "Trailer key as written."),
        Column("value", "TEXT NOT NULL", "Trailer value."),
    ),
    ("PRIMARY KEY (commit_seq, position)",),
)
RUNS = Table(
    "runs",
    "Every usage report (one row per `run_id`), with the commit that added it. A report edited "
    "later keeps its `added_seq` and shows its latest figures; one deleted from every file gets "
    "`removed_seq`.",
    (
        Column("run_id", "TEXT PRIMARY KEY", "The run's ID."),
        Column("added_seq", _COMMIT_REF, "Commit that added it."),
        Column("removed_seq", "INTEGER REFERENCES commits(seq)", "Commit that deleted it."),
        Column("path", "TEXT NOT NULL", "File it was last read from."),
        Column("plan_id", "TEXT NOT NULL", "Plan of its slice."),
        Column("slice_id", "TEXT NOT NULL", "Its slice."),
        Column("agent_id", "TEXT NOT NULL", "Agent that ran."),
        Column("provider", "TEXT", "Model provider, when reported."),
        Column(
            "model", "TEXT", "Model (the run's `model`, else its biggest `usage_by_model` row)."
        ),
        Column("status", "TEXT NOT NULL", "`PASS`, `FAIL` or `BLOCKED`."),
        Column("phase", "TEXT", "Its one `phase`, when it names one."),
        Column("requests", "INTEGER NOT NULL", "`actual_requests`."),
        Column("prompt_tokens", "INTEGER NOT NULL", "`actual_prompt_tokens`."),
        Column("completion_tokens", "INTEGER NOT NULL", "`actual_completion_tokens`."),
        Column("total_tokens", "INTEGER NOT NULL", "`actual_total_tokens`."),
        Column("duration_seconds", "REAL NOT NULL", "`duration_seconds`."),
        Column("report_timestamp", "TEXT NOT NULL", "When the run ended, UTC."),
        Column("tokens_estimated", "INTEGER NOT NULL", "1 when its token counts are estimates."),
        Column("cost_usd", "REAL", "Its cost (reported, else priced); NULL when unknown."),
    ),
)
SLICE_STATES = Table(
    "slice_states",
    "Each slice's budget state after each commit that changed it (its plan, estimate or usage "
    "reports, or the config). A slice's state at commit N is its row with the largest "
    "`commit_seq` ≤ N; `latest_slice_states` has the newest of each.",
    (
        Column("commit_seq", _COMMIT_REF, "The commit after which the slice is in this state."),
        Column("plan_id", "TEXT NOT NULL", "Plan ID."),
        Column("slice_id", "TEXT NOT NULL", "Slice ID."),
        Column("present", "INTEGER NOT NULL", "1 while a plan declares the slice, 0 after."),
        Column("status", "TEXT", "Lifecycle status (`draft` … `done`)."),
        Column("environment", "TEXT", "The plan's `environment`."),
        Column("complexity", "TEXT", "Complexity the budgets use."),
        Column("importance", "TEXT", "Importance the budgets use."),
        Column("estimation_method", "TEXT", "`HISTORICAL`, `HEURISTIC`, `MANUAL`; NULL: none."),
        Column("estimated_tokens", "INTEGER", "The estimate's total tokens."),
        Column("estimated_requests", "INTEGER", "The estimate's requests."),
        Column("actual_tokens", "INTEGER NOT NULL", "Tokens of all its runs, each run once."),
        Column("actual_requests", "INTEGER NOT NULL", "Requests of all its runs."),
        Column("runs", "INTEGER NOT NULL", "How many runs."),
        Column("tokens_estimated", "INTEGER NOT NULL", "Runs whose token counts are estimates."),
        Column("budget_source", "TEXT", "`estimate` (its total) or `formula` (phase limits)."),
        Column("budget_tokens", "INTEGER", "Cumulative token budget."),
        Column("utilisation", "REAL", "actual_tokens / budget_tokens (NULL for a 0 budget)."),
        Column("budget_status", "TEXT", "`within` (≤ 100 %), `warning` (≤ 150 %), `exceeded`."),
        Column("latency_ms", "INTEGER NOT NULL", "Its runs' durations summed, ms."),
        Column("latency_budget_ms", "INTEGER", "Latency budget: limits of the phases reported."),
        Column("latency_utilisation", "REAL", "latency_ms / latency_budget_ms."),
        Column(
            "stop_loss",
            "TEXT NOT NULL",
            "`none`, `triggered` or `allowed` (done, within the allowance).",
        ),
        Column("variance_ratio", "REAL", "Token variance / estimate (§3.4)."),
        Column("breach", "TEXT NOT NULL", "Variance breach flag: `none`, `warning`, `breach`."),
        Column("cost_usd", "REAL", "Its runs' cost; NULL when any run is unpriced."),
        Column("estimated_cost_usd", "REAL", "The estimate's cost, when known."),
        Column("unpriced_runs", "INTEGER NOT NULL", "Runs whose cost is unknown."),
        Column("top_agent", "TEXT", "Agent that spent most of its tokens."),
        Column("top_model", "TEXT", "Model that spent most of its tokens."),
    ),
    ("PRIMARY KEY (plan_id, slice_id, commit_seq)",),
)
PHASE_STATES = Table(
    "phase_states",
    "Per-phase budgets of a slice state whose runs report phases (§6.3).",
    (
        Column("commit_seq", _COMMIT_REF, "As in `slice_states`."),
        Column("plan_id", "TEXT NOT NULL", "Plan ID."),
        Column("slice_id", "TEXT NOT NULL", "Slice ID."),
        Column("phase", "TEXT NOT NULL REFERENCES phases(name)", "The phase."),
        Column("budget_source", "TEXT NOT NULL", "`estimate`, `slice`, `plan` or `formula`."),
        Column("budget_tokens", "INTEGER NOT NULL", "The phase's token budget."),
        Column("actual_tokens", "INTEGER NOT NULL", "Tokens its runs spent in the phase."),
        Column("utilisation", "REAL", "actual_tokens / budget_tokens."),
        Column("status", "TEXT NOT NULL", "`within`, `warning` or `exceeded`."),
        Column("budget_latency_ms", "INTEGER NOT NULL", "The phase's latency limit, ms."),
        Column("actual_duration_ms", "INTEGER", "Time spent in the phase (NULL: not reported)."),
    ),
    ("PRIMARY KEY (plan_id, slice_id, commit_seq, phase)",),
)
PHASES = Table(
    "phases",
    "The phases in their order, for sorting.",
    (
        Column("name", "TEXT PRIMARY KEY", "Phase name."),
        Column("position", "INTEGER NOT NULL", "0 = STRATEGIZE … 8 = MONITOR."),
    ),
)
ARTIFACT_FILES = Table(
    "artifact_files",
    "The artifact files at `last_commit` and the records each holds, so the next run starts "
    "where this one stopped without reading the tree. One row per record (`plan_id` NULL for a "
    "file without a valid record).",
    (
        Column("path", "TEXT NOT NULL", "Repository path."),
        Column("kind", "TEXT NOT NULL", "`plan`, `estimate` or `usage-report`."),
        Column("object_id", "TEXT NOT NULL", "Blob ID at `last_commit`."),
        Column("plan_id", "TEXT", "Plan the record names (for a plan: its ID)."),
        Column("slice_id", "TEXT", "Slice the record names (for a plan: each slice)."),
        Column("run_id", "TEXT", "For a usage report: its run."),
    ),
)
LATEST = View(
    "latest_slice_states",
    "The newest state of every slice.",
    "SELECT s.* FROM slice_states AS s JOIN (SELECT plan_id, slice_id, MAX(commit_seq) AS "
    "commit_seq FROM slice_states GROUP BY plan_id, slice_id) AS newest "
    "USING (plan_id, slice_id, commit_seq)",
)

TABLES = (META, COMMITS, TRAILERS, RUNS, SLICE_STATES, PHASE_STATES, PHASES, ARTIFACT_FILES)
VIEWS = (LATEST,)
_INDEXES = (
    "CREATE INDEX slice_states_by_commit ON slice_states (commit_seq)",
    "CREATE INDEX runs_by_slice ON runs (plan_id, slice_id)",
    "CREATE INDEX artifact_files_by_path ON artifact_files (path)",
)


def _version_1() -> list[str]:
    phases = ", ".join(f"('{phase.value}', {position})" for position, phase in enumerate(Phase))
    return [
        *(table.create() for table in TABLES),
        *(view.create() for view in VIEWS),
        *_INDEXES,
        f"INSERT INTO phases (name, position) VALUES {phases}",  # noqa: S608 - the Phase enum
    ]


MIGRATIONS: tuple[list[str], ...] = (_version_1(),)
"""`MIGRATIONS[n]`: the statements that take a database at version n to n + 1."""
SCHEMA_VERSION = len(MIGRATIONS)
