"""`budget-gate init`: a config and an example plan, never overwriting what is there."""

from __future__ import annotations

from pathlib import Path

from budget_gate.errors import GateError
from budget_gate.load.resources import config_dir
from budget_gate.models.config import DEFAULT_CONFIG_PATH

INIT_FILES: tuple[tuple[str, str], ...] = (
    ("plan-budget-gate.yml", DEFAULT_CONFIG_PATH),
    ("init/plan.md", "plans/EXAMPLE-01/plan.md"),
)


def write_init(repo: Path) -> list[str]:
    """Write each starter file that does not exist yet; one line per file says what happened."""
    if not repo.is_dir():
        raise GateError(f"--repo {repo} is not a directory")
    lines = []
    for shipped, target in INIT_FILES:
        destination = repo / target
        if destination.exists() or destination.is_symlink():
            lines.append(f"kept {target} (it exists; init never overwrites)")
            continue
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(
                (config_dir() / shipped).read_text(encoding="utf-8"), encoding="utf-8"
            )
        except OSError as error:
            raise GateError(f"cannot write {destination}: {error.strerror}") from error
        lines.append(f"wrote {target}")
    return lines
