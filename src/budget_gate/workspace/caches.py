"""Where a check keeps what it learned between runs: plans in outline and computed prices.

Both caches live in one directory: `--cache-dir`, else `budget-gate/` in the git directory of
the repository holding `--repo` (`.git/budget-gate`: never committed, never in `git status`),
which CI keeps with `actions/cache` (docs/workflows). Outside a git repository there is no
cache. A cache only ever saves time: what it holds is exactly what the work it replaces would
give (the plan cache: `load/plan_cache.py`; prices: `cost/remembered.py`), and a file that is
damaged, or written by another version, for another config or other price data, is ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from budget_gate.cost.pricing import GenaiPrices, PriceBook
from budget_gate.cost.remembered import FORMAT, RememberedPrices, cache_key
from budget_gate.git.repo import GitRepo
from budget_gate.git.runner import GitError
from budget_gate.git.tree import GitTreeSource
from budget_gate.load import cache_file
from budget_gate.load.source import FileSource

CACHE_DIRECTORY: Final = "budget-gate"
"""The caches' directory inside the git directory (`.git/budget-gate`) by default."""
PRICES_FILE: Final = "prices.json"


def cache_directory(repo: Path, source: FileSource, *, chosen: Path | None) -> Path | None:
    """`chosen` (`--cache-dir`), else `budget-gate/` in the git directory of `repo`, else None
    (not in a git repository, or no git at all)."""
    if chosen is not None:
        return chosen
    git = source.repo if isinstance(source, GitTreeSource) else GitRepo(repo)
    try:
        return git.git_dir() / CACHE_DIRECTORY
    except GitError:
        return None


def open_prices(directory: Path | None) -> PriceBook:
    """genai-prices' data, behind the prices an earlier run kept in `directory` (if any)."""
    book = GenaiPrices()
    if directory is None:
        return book
    body = cache_file.read(
        directory / PRICES_FILE, format_number=FORMAT, key=cache_key(book.version)
    )
    return RememberedPrices(book, body if isinstance(body, dict) else {})


def save_prices(directory: Path | None, prices: PriceBook) -> None:
    """Keep the prices of this run when it had to compute any (best effort)."""
    if directory is None or not isinstance(prices, RememberedPrices) or not prices.added:
        return
    data = cache_file.encode(prices.entries(), format_number=FORMAT, key=cache_key(prices.version))
    cache_file.save(directory / PRICES_FILE, data)
