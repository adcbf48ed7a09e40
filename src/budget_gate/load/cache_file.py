"""The file format of the caches a check keeps between runs (plans, prices): a header line and
a JSON body.

The header names the format, what the body is valid for (`key`: a digest of the version, the
code and the settings that decide every entry) and the body's SHA-256, so a file written by
another version, for another config, or corrupt or truncated on the way through `actions/cache`
is ignored, never trusted. The body is read with a JSON parser: a cache holds no code. Writing is
atomic and best effort: a directory that cannot be written only means no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

import orjson

from budget_gate.writing import replace_file


def encode(body: object, *, format_number: int, key: str) -> bytes:
    """A header line (format, key, checksum of the body), then the body as JSON."""
    data = orjson.dumps(body)
    header = orjson.dumps(
        {"format": format_number, "key": key, "sha256": hashlib.sha256(data).hexdigest()}
    )
    return header + b"\n" + data


def decode(data: bytes, *, format_number: int, key: str) -> object | None:
    """The body of a cache file, or None when anything about it is not as written."""
    header_bytes, newline, body = data.partition(b"\n")
    try:
        header = orjson.loads(header_bytes) if newline else None
        if (
            not isinstance(header, dict)
            or header.get("format") != format_number
            or header.get("key") != key
            or header.get("sha256") != hashlib.sha256(body).hexdigest()
        ):
            return None
        decoded: object = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return decoded


def read(path: Path, *, format_number: int, key: str) -> object | None:
    """The body of the cache file at `path`; None when it is missing, unreadable or not valid."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return decode(data, format_number=format_number, key=key)


def save(path: Path, data: bytes) -> None:
    """Write `data` to `path` (creating its directory) atomically; a failure leaves no cache."""
    # Readable by all: the Action's container writes as root, actions/cache reads as the
    # runner's user. The contents are derived from files everyone can read.
    with contextlib.suppress(OSError):
        replace_file(path, data, mode=0o644, durable=False)
