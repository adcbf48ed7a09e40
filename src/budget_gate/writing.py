"""Writing files so that nobody ever sees half of one: the one place the gate writes a file.

Both ways write the bytes to a temporary file in the target's directory first, so the final step
is a single rename or link on one filesystem, and remove the temporary file whatever happens:

- `replace_file`: the target is replaced (or created) in one rename; a reader sees the old
  file or the new one (records edited in place, the variance summary, the caches);
- `write_new_file`: the target must not exist, and the hard link that puts the file in place
  fails if it does, so two imports racing for one run cannot both win (usage reports).

Used by every layer that writes (load's caches, estimate, release, commands); imports nothing
but `errors`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from budget_gate.errors import GateError


class FileExistsProblem(GateError):  # noqa: N818 - worded like the other problems users see
    """The target exists; the message says which file and what to do."""


def replace_file(path: Path, data: bytes, *, mode: int | None = None, durable: bool = True) -> None:
    """Replace or create `path` (and its directory) with `data`; raises `OSError`.

    `mode` None keeps the permissions of the file it replaces (a new file gets the umask's);
    `durable` flushes the bytes to disk before the rename (a cache can do without)."""
    if mode is None:
        mode = _current_mode(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _temporary_beside(path, data, durable=durable) as temporary:
        temporary.chmod(mode)
        temporary.replace(path)


def write_new_file(path: Path, text: str) -> None:
    """Create `path` with `text` (UTF-8), or raise: `FileExistsProblem` if it exists,
    `GateError` if it cannot be written. Parent directories are created."""
    if path.exists() or path.is_symlink():
        raise FileExistsProblem(f"{path} already exists; it was not overwritten")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _temporary_beside(path, text.encode("utf-8"), durable=True) as temporary:
            _link(temporary, path)
    except FileExistsError as error:
        raise FileExistsProblem(f"{path} already exists; it was not overwritten") from error
    except OSError as error:
        raise GateError(f"cannot write {path}: {error.strerror}") from error


@contextlib.contextmanager
def _temporary_beside(path: Path, data: bytes, *, durable: bool) -> Iterator[Path]:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def _current_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _link(temporary: Path, path: Path) -> None:
    try:
        os.link(temporary, path)  # atomic, and refuses an existing name
    except FileExistsError:
        raise
    except OSError:  # no hard links here (some network or FUSE filesystems)
        if path.exists():
            raise FileExistsError(path) from None
        temporary.replace(path)
