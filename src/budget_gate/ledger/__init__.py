"""The budget ledger: the default branch's history as a SQLite database of every usage report
and each slice's budget state after each commit, its ready queries, and the dashboard drawn
from it.

Walks history through `git` only, judges through the core (`judge`, `cost`) so its numbers are
the gate's, parses through `load`, and reads the config like `check` (`workspace`). The plotting
library (the `[dashboard]` extra) is imported only inside `ledger.dashboard.charts`.
"""
