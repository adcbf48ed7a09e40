"""A file with several sessions: never merged silently.

Summing two sessions into one run would add their tokens but keep one agent-reported cost, and
hide that two runs happened. So a file with several sessions is refused with how many there are
and how to import them: `--session ID` picks one, `--split` writes one report per session.
"""

from __future__ import annotations

from budget_gate.importers.common import AgentOutputError, ImportedRun

SHOWN_SESSIONS = 5


def only_session(runs: list[ImportedRun], *, source: str) -> ImportedRun:
    """The one session of a file; several are refused with the way to import them."""
    chosen = pick(runs, session=None, split=False, source=source)
    return chosen[0]


def pick(
    runs: list[ImportedRun], *, session: str | None, split: bool, source: str
) -> list[ImportedRun]:
    """The runs to import: the one named by `session`, every one with `split`, or the only one."""
    if session is not None:
        found = [run for run in runs if run.session_id == session]
        if not found:
            raise AgentOutputError(
                f"{source} has no session {session!r}; its sessions are {_listing(runs)}"
            )
        return found
    if split or len(runs) == 1:
        return runs
    raise AgentOutputError(
        f"{source} holds {len(runs)} sessions ({_listing(runs)}); nothing was written. Import "
        "one with --session ID, or each as its own report with --split"
    )


def _listing(runs: list[ImportedRun]) -> str:
    names = [run.session_id or "(no session id)" for run in runs]
    shown = ", ".join(names[:SHOWN_SESSIONS])
    more = len(names) - SHOWN_SESSIONS
    return f"{shown} and {more} more" if more > 0 else shown
