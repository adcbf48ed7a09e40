"""Writing one new file atomically: all of it or nothing, and never over an existing file.

The text goes to a temporary file in the target's directory, is flushed to disk, and is then
linked to the target name, which fails if the name exists (so two imports racing for the same
run cannot both win). Where hard links are not available the temporary file is renamed into
place after checking the name is free. A failure at any step removes the temporary file: no
half-written report is ever left behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from budget_gate.errors import GateError


class FileExistsProblem(GateError):  # noqa: N818 - worded like the other problems users see
    """The target exists; the message says which file and what to do."""


def write_new_file(path: Path, text: str) -> None:
    """Create `path` with `text` (UTF-8), or raise: `FileExistsProblem` if it exists,
    `GateError` if it cannot be written. Parent directories are created."""
    if path.exists() or path.is_symlink():
        raise FileExistsProblem(f"{path} already exists; it was not overwritten")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise GateError(f"cannot write {path}: {error.strerror}") from error
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _place(Path(temporary), path)
    except FileExistsError as error:
        raise FileExistsProblem(f"{path} already exists; it was not overwritten") from error
    except OSError as error:
        raise GateError(f"cannot write {path}: {error.strerror}") from error
    finally:
        with contextlib.suppress(FileNotFoundError):
            Path(temporary).unlink()


def _place(temporary: Path, path: Path) -> None:
    try:
        os.link(temporary, path)  # atomic, and refuses an existing name
    except FileExistsError:
        raise
    except OSError:  # no hard links here (some network or FUSE filesystems)
        if path.exists():
            raise FileExistsError(path) from None
        temporary.replace(path)
