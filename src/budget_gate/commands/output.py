"""Writing a command's result to stdout or a file, with errors a user can act on."""

from __future__ import annotations

import sys
from pathlib import Path

from budget_gate.errors import GateError
from budget_gate.render.escape import inert


def emit(text: str, output: Path | None) -> None:
    """To stdout (made inert: it may be an Actions log) or to the file as it is."""
    if output is None:
        text = inert(text)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise GateError(f"cannot write {output}: {error.strerror}") from error
