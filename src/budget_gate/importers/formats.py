"""The supported formats by their command-line names, and the one way a file is read: JSON
documents, the format settled (detected for `auto`, checked for an explicit one), the runs read
and the sessions picked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from budget_gate.importers import anthropic, claude_code, codex, detect, openai, openhands
from budget_gate.importers.common import Document, Fidelity, ImportedRun, read_documents
from budget_gate.importers.sessions import pick

Reader = Callable[..., list[ImportedRun]]

READERS: Mapping[str, Reader] = {
    detect.CLAUDE_CODE: claude_code.read,
    detect.CODEX: codex.read,
    detect.OPENAI: openai.read,
    detect.ANTHROPIC: anthropic.read,
    detect.OPENHANDS: openhands.read,
}
FIDELITY: tuple[Fidelity, ...] = (
    claude_code.FIDELITY,
    codex.FIDELITY,
    openai.FIDELITY,
    anthropic.FIDELITY,
    openhands.FIDELITY,
)
CHOICES = (detect.AUTO, *READERS)


@dataclass(frozen=True, slots=True)
class Imported:
    format: str
    """The format read (the detected one for `auto`)."""
    runs: tuple[ImportedRun, ...]


def import_runs(
    text: str, *, requested: str, source: str, session: str | None = None, split: bool = False
) -> Imported:
    """The runs to report from one file; `AgentOutputError` names what is wrong and the fix."""
    documents: list[Document] = read_documents(text, source=source)
    name = detect.settle(documents, requested=requested, source=source)
    runs = READERS[name](documents, source=source)
    return Imported(
        format=name, runs=tuple(pick(runs, session=session, split=split, source=source))
    )
