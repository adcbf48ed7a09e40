"""The "Budget evidence" section of a release's notes: rendered, and put into the notes body.

Pure text functions for the Action to call: `render_evidence_section` says the verdict, the
totals and where the evidence is; `upsert_evidence_section` puts it between hidden markers, so
a re-run replaces its own section and never touches a byte of the author's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from budget_gate.models.summary import VarianceSummary
from budget_gate.render.environment import TemplateProblem
from budget_gate.render.summary_markdown import render_summary_template

EVIDENCE_TEMPLATE = "release_evidence.md.j2"
SECTION_START = "<!-- plan-budget-gate:release-evidence:start -->"
SECTION_END = "<!-- plan-budget-gate:release-evidence:end -->"
MAX_UNCOVERED_LISTED = 10

# A start marker, then the nearest end marker with no other start in between: a stray start
# left by an author's edit is then their text, never the beginning of a section to replace.
_SECTION = re.compile(
    re.escape(SECTION_START) + f"(?:(?!{re.escape(SECTION_START)}).)*?" + re.escape(SECTION_END),
    re.DOTALL,
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    """One piece of evidence: a file name (or words) and, once uploaded, its http(s) URL."""

    label: str
    url: str | None = None


def render_evidence_section(
    summary: VarianceSummary,
    *,
    links: Sequence[EvidenceLink] = (),
    template_dir: Path | None = None,
) -> str:
    """The section's markdown (without markers): verdict first, totals, uncovered slices, links.

    Raises `TemplateProblem` for a user's template that fails or writes the section markers
    (which would make the next run's section boundaries ambiguous).
    """
    uncovered = summary.uncovered_slices[:MAX_UNCOVERED_LISTED]
    section = render_summary_template(
        EVIDENCE_TEMPLATE,
        {
            "summary": summary,
            "links": list(links),
            "uncovered": uncovered,
            "uncovered_hidden": len(summary.uncovered_slices) - len(uncovered),
        },
        template_dir=template_dir,
    )
    if SECTION_START in section or SECTION_END in section:
        raise TemplateProblem(
            path=EVIDENCE_TEMPLATE
            if template_dir is None
            else str(template_dir / EVIDENCE_TEMPLATE),
            line=None,
            problem="the release evidence template writes the section's hidden markers",
            fix="remove them from the template: the Action puts them around the section itself",
        )
    return section


def upsert_evidence_section(body: str | None, section: str) -> str:
    """`body` with `section` between the markers: the first existing section replaced (later
    copies dropped), else appended after a blank line. Text outside the markers is kept byte for
    byte; the section takes the body's line endings (CRLF when the body uses them).
    """
    if SECTION_START in section or SECTION_END in section:
        raise ValueError("the evidence section must not contain the section markers")
    text = body or ""
    newline = "\r\n" if "\r\n" in text else "\n"
    content = _LINE_BREAK.sub(newline, section.strip("\r\n"))
    block = f"{SECTION_START}{newline}{content}{newline}{SECTION_END}"
    found = _SECTION.search(text)
    if found is not None:
        rest = _SECTION.sub("", text[found.end() :])
        return text[: found.start()] + block + rest
    if not text:
        return block + newline
    if text.endswith(newline * 2):
        separator = ""
    elif text.endswith(("\n", "\r")):
        separator = newline
    else:
        separator = newline * 2
    return text + separator + block + newline
