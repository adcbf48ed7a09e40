"""Start-up of the CLI against a bare interpreter, and the peak memory of a command (issue 16).

Targets: `budget-gate --version` and `--help` in <= 6x `python3 -c pass`; `budget-gate check
--format json` on examples/demo in <= 12x. Commands run as subprocesses through the installed
console script, in alternation, judged on their best run (medians printed too): ratios of the
same machine's figures, so a busy machine moves both sides.

The demo is checked as a user's repository is: copied into a git repository of its own
(`demo_repository`), so its caches (`.git/budget-gate`) are its own and the first, untimed run
fills them, as an earlier run does for a user; the same check with `--no-cache` (every price
computed from genai-prices' data) is printed beside it.

The package's bytecode is compiled first (`ensure_bytecode`), as `pip install` leaves it: an
editable install under `PYTHONDONTWRITEBYTECODE=1` (set on some machines and images) would
otherwise compile every one of its modules from source on every run, which no installed user
pays and which alone took a fifth of `check`'s start.
"""

from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

VERSION_HELP_LIMIT = 6.0
DEMO_CHECK_LIMIT = 12.0
DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo"


def console_script() -> str:
    """`budget-gate` as installed beside this interpreter (what users and hooks run)."""
    script = Path(sys.executable).parent / "budget-gate"
    return str(script) if script.exists() else "budget-gate"


def ensure_bytecode() -> None:
    """Compile `budget_gate`'s modules to `__pycache__` (a no-op when they are up to date)."""
    import budget_gate

    compileall.compile_dir(Path(budget_gate.__file__).parent, quiet=1)


def run_measured(command: Sequence[str]) -> tuple[float, float, int]:
    """Run a command: wall-clock seconds, CPU seconds (user + system) and peak RSS in MB of the
    largest process (itself or a waited-for worker), from wait4."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            errors.seek(0)
            message = errors.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(command)} failed ({code}): {message}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def demo_repository(root: Path) -> Path:
    """examples/demo copied into `root/demo`, a git repository of its own."""
    target = root / "demo"
    shutil.copytree(DEMO, target)
    subprocess.run(["git", "init", "--quiet", str(target)], check=True)
    return target


def startup_commands(demo: Path) -> dict[str, list[str]]:
    script = console_script()
    check = [script, "check", "--repo", str(demo), "--format", "json"]
    return {
        "python3 -c pass": [sys.executable, "-c", "pass"],
        "budget-gate --version": [script, "--version"],
        "budget-gate --help": [script, "--help"],
        "check --format json (demo)": check,
        "same, --no-cache": [*check, "--no-cache"],
    }


def startup_ratios(timings: dict[str, object]) -> list[tuple[str, float, float]]:
    """(name, best / best of `python3 -c pass`, target) of each command with a target."""
    floor = timings["python3 -c pass"].best  # type: ignore[attr-defined]
    limits = {
        "budget-gate --version": VERSION_HELP_LIMIT,
        "budget-gate --help": VERSION_HELP_LIMIT,
        "check --format json (demo)": DEMO_CHECK_LIMIT,
    }
    return [(name, timings[name].best / floor, limit) for name, limit in limits.items()]  # type: ignore[attr-defined]
