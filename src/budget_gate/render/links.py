"""Links to files at the head commit, built so that no user path can break out of them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from budget_gate.render.escape import trusted

# Characters kept as they are in a URL taken from the Actions runtime. Everything else, notably
# space, `(`, `)`, `<`, `>`, `[`, `]`, `"` and backticks, is percent-encoded so the markdown link
# destination cannot end early.
_URL_SAFE = ":/?#@!$&'*+,;=%~.-_"
MAX_LINKED_PATH = 1_000


def safe_url(url: str | None) -> Markup | None:
    """An http(s) URL percent-encoded for a markdown link destination; None for anything else."""
    if not url or not url.lower().startswith(("https://", "http://")):
        return None
    return trusted(quote(url, safe=_URL_SAFE))


@dataclass(frozen=True, slots=True)
class LinkContext:
    """Where the repository lives on GitHub, so findings can link `path#Lline` at the head."""

    server_url: str
    repository: str
    head_sha: str
    full_report_url: str | None = None

    def blob_url(self, path: str, line: int | None = None) -> Markup | None:
        """`{server_url}/{repository}/blob/{head_sha}/{path}#L{line}`, every part encoded."""
        base = safe_url(self.server_url.rstrip("/"))
        if base is None or not path or len(path) > MAX_LINKED_PATH:
            return None
        url = (
            f"{base}/{quote(self.repository, safe='/')}/blob/{quote(self.head_sha, safe='')}/"
            f"{quote(path.lstrip('/'), safe='/')}"
        )
        if line is not None and line > 0:
            url += f"#L{line}"
        return trusted(url)

    @property
    def report_url(self) -> Markup | None:
        return safe_url(self.full_report_url)
