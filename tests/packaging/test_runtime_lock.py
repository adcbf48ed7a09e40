"""The image's hash-locked runtime lock: it matches pyproject.toml, or the check says to relock.

`scripts/lock.py --check` is what `make lock-check`, `.ci/run` and the release workflow run;
these tests run it as they do, on the repository and on edited copies of pyproject.toml.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "runtime.txt"


def lock_check(pyproject: Path, lock: Path = LOCK) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "lock.py"),
            "--check",
            "--pyproject",
            str(pyproject),
            "--lock",
            str(lock),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def pyproject(tmp_path: Path) -> Path:
    """A copy of the repository's pyproject.toml to edit."""
    copy = tmp_path / "pyproject.toml"
    shutil.copy(ROOT / "pyproject.toml", copy)
    return copy


def test_the_lock_matches_pyproject() -> None:
    result = lock_check(ROOT / "pyproject.toml")

    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"lock-check: runtime\.txt matches pyproject\.toml \(\d+ hashed pins\)\n", result.stdout
    )


def test_a_changed_runtime_dependency_without_relocking_fails(pyproject: Path) -> None:
    text = pyproject.read_text("utf-8")
    pyproject.write_text(text.replace('"Jinja2>=3.1.4"', '"Jinja2>=3.1.4", "rich>=13"'), "utf-8")

    result = lock_check(pyproject)

    assert result.returncode == 1
    assert "runtime.txt:1 was compiled from other runtime dependencies" in result.stderr
    assert "rich is not pinned: run `make lock`" in result.stderr


def test_a_changed_otel_extra_fails_too(pyproject: Path) -> None:
    """The image installs the otel extra, so the lock covers it."""
    text = pyproject.read_text("utf-8")
    edited = text.replace(
        'otel = [\n    "opentelemetry-sdk>=1.30",', 'otel = [\n    "opentelemetry-sdk>=99",'
    )
    assert edited != text
    pyproject.write_text(edited, "utf-8")

    result = lock_check(pyproject)

    assert result.returncode == 1
    assert re.search(
        r"runtime\.txt:\d+: opentelemetry-sdk==\S+ does not satisfy "
        r"opentelemetry-sdk>=99",
        result.stderr,
    )


def test_new_extras_and_formatting_leave_the_lock_valid(pyproject: Path) -> None:
    """A new optional extra, new test tools or reformatted lists do not touch the image."""
    text = pyproject.read_text("utf-8")
    text = text.replace(
        "[project.optional-dependencies]\n",
        '[project.optional-dependencies]\ncharts = ["plotly>=5"]\n',
    )
    text = text.replace('    "pytest>=8",\n', '    "pytest>=8",\n    "pytest-xdist>=3",\n')
    text = text.replace('    "PyYAML>=6.0.1",\n', '    "PyYAML >= 6.0.1",\n')
    pyproject.write_text(text, "utf-8")
    assert tomllib.loads(text)["project"]["optional-dependencies"]["charts"]

    assert lock_check(pyproject).returncode == 0


def test_a_pin_without_a_hash_fails(tmp_path: Path) -> None:
    lock = tmp_path / "runtime.txt"
    text = LOCK.read_text("utf-8")
    unhashed = re.sub(r"(pyyaml==[^\s\\]+) \\\n(    --hash=\S+( \\)?\n)+", r"\1\n", text)
    assert unhashed != text
    lock.write_text(unhashed, "utf-8")

    result = lock_check(ROOT / "pyproject.toml", lock)

    assert result.returncode == 1
    assert re.search(r"runtime\.txt:\d+: pyyaml has no --hash", result.stderr)


def test_a_missing_lock_says_how_to_make_it(tmp_path: Path) -> None:
    result = lock_check(ROOT / "pyproject.toml", tmp_path / "runtime.txt")

    assert (result.returncode, result.stderr) == (
        1,
        "lock-check: runtime.txt is missing: run `make lock`\n",
    )


PIN = re.compile(
    r"^([A-Za-z0-9._-]+)==(\S+)(?: ;[^\\\n]*)? \\\n"  # name==version ; marker \
    r"((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)",  # one or more hash lines
    re.MULTILINE,
)


def test_every_pin_is_exact_and_hashed_for_pip_require_hashes() -> None:
    text = LOCK.read_text("utf-8")
    names = {name.lower() for name, _, _ in PIN.findall(text)}
    assert {
        "pydantic",
        "pygithub",
        "pyyaml",
        "jinja2",
        "genai-prices",
        "orjson",
        "opentelemetry-sdk",
        "opentelemetry-exporter-otlp-proto-http",
    } <= names
    requirement_lines = [
        line for line in text.splitlines() if line and not line.startswith((" ", "#"))
    ]
    assert len(requirement_lines) == len(PIN.findall(text))
