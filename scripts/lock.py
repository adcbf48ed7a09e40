"""The Action image's runtime lock, `requirements/runtime.txt`: write it, or check it offline.

The image installs exactly these pins with `pip install --require-hashes`, so two builds of one
tag get the same packages. The lock's first line carries a digest of what it was compiled from
(pyproject's runtime dependencies, the extras the image installs and `requires-python`), so a
change to any of them without `make lock` fails the check, while new optional extras (test, dev,
anything the image does not install) leave the lock valid.

    python scripts/lock.py          # compile (uv pip compile --generate-hashes), as `make lock`
    python scripts/lock.py --check  # digest, pins and hashes, without the network
    python scripts/lock.py --upgrade  # every pin to its newest version
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
IMAGE_EXTRAS = ("otel",)
"""The extras the Dockerfile installs (`otel: true` must work in the Action)."""
DIGEST_PREFIX = "# runtime-input-sha256: "
# The oldest Python the package supports: the pins must install there (and on newer ones).
COMPILE = ("--universal", "--python-version", "3.11", "--generate-hashes")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str
    hashes: int
    line: int


def runtime_inputs(pyproject: Path) -> list[str]:
    """What the lock is compiled from, normalised so formatting never counts as a change."""
    project = tomllib.loads(pyproject.read_text("utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    items = [f"requires-python {project.get('requires-python', '')}"]
    for group, requirements in [("", project.get("dependencies", []))] + [
        (f"[{extra}] ", extras.get(extra, [])) for extra in IMAGE_EXTRAS
    ]:
        items += [f"{group}{Requirement(text)}" for text in requirements]
    return sorted(items)


def input_digest(pyproject: Path) -> str:
    return hashlib.sha256("\n".join(runtime_inputs(pyproject)).encode()).hexdigest()


def compile_lock(pyproject: Path, lock: Path, *, upgrade: bool = False) -> None:
    """Resolve with uv (it reads no pip config, so the pins and hashes are the public index's).

    uv keeps the pins already in the lock that still satisfy pyproject (`upgrade` drops them),
    so a new dependency does not move every other package."""
    extras = [arg for extra in IMAGE_EXTRAS for arg in ("--extra", extra)]
    lock.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "uv", "pip", "compile", pyproject.name, *extras, *COMPILE]
    command += ["--custom-compile-command", "make lock", "--quiet", "--output-file", str(lock)]
    subprocess.run(
        [*command, *(["--upgrade"] if upgrade else [])], cwd=pyproject.parent, check=True
    )
    text = lock.read_text("utf-8")
    if text.startswith(DIGEST_PREFIX):
        text = text.partition("\n")[2]
    lock.write_text(f"{DIGEST_PREFIX}{input_digest(pyproject)}\n{text}", "utf-8")


def read_pins(lock: Path) -> list[Pin]:
    """`name==version ; marker \\` lines with their `--hash=` continuation lines."""
    pins: list[Pin] = []
    for number, line in enumerate(lock.read_text("utf-8").splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("--hash="):
            if pins:
                last = pins[-1]
                pins[-1] = Pin(last.name, last.version, last.marker, last.hashes + 1, last.line)
        elif stripped and not stripped.startswith("#"):
            spec, _, marker = stripped.rstrip("\\ ").partition(";")
            name, equals, version = spec.strip().partition("==")
            if not equals:
                raise ValueError(f"{lock}:{number}: not an exact pin: {stripped}")
            pins.append(Pin(canonicalize_name(name), version.strip(), marker.strip(), 0, number))
    return pins


def problems(pyproject: Path, lock: Path) -> list[str]:
    """Why the lock does not match pyproject.toml, one line each (empty: it does)."""
    if not lock.exists():
        return [f"{lock.name} is missing: run `make lock`"]
    first = lock.read_text("utf-8").partition("\n")[0]
    found: list[str] = []
    if first != f"{DIGEST_PREFIX}{input_digest(pyproject)}":
        found.append(
            f"{lock.name}:1 was compiled from other runtime dependencies than "
            f"{pyproject.name} now lists: run `make lock` and commit the result"
        )
    try:
        pins = {pin.name: pin for pin in read_pins(lock)}
    except ValueError as error:
        return [*found, str(error)]
    found += [
        f"{lock.name}:{p.line}: {p.name} has no --hash" for p in pins.values() if not p.hashes
    ]
    environment = {**default_environment(), "extra": ""}
    for text in runtime_inputs(pyproject):
        if text.startswith("requires-python"):
            continue
        try:
            requirement = Requirement(re.sub(r"^\[\w+\] ", "", text))
        except InvalidRequirement as error:  # pragma: no cover - pyproject is checked by pip
            found.append(f"{pyproject.name}: {error}")
            continue
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            found.append(f"{lock.name}: {requirement.name} is not pinned: run `make lock`")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            found.append(
                f"{lock.name}:{pin.line}: {pin.name}=={pin.version} does not satisfy "
                f"{requirement}: run `make lock`"
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check, do not write")
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest")
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements" / "runtime.txt")
    args = parser.parse_args(argv)
    if not args.check:
        compile_lock(args.pyproject, args.lock.resolve(), upgrade=args.upgrade)
    found = problems(args.pyproject, args.lock)
    for line in found:
        print(f"lock-check: {line}", file=sys.stderr)
    if not found:
        pins = len(read_pins(args.lock))
        print(f"lock-check: {args.lock.name} matches {args.pyproject.name} ({pins} hashed pins)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
