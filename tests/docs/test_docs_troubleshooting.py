"""docs/troubleshooting.md has an entry for every message the tool can print and every finding
code, found by reading the source (tests/message_scan.py), so a new message cannot ship
undocumented."""

from __future__ import annotations

from budget_gate.models.findings import FindingCode
from locations import ROOT
from message_scan import PLACEHOLDER, normalize, stem_of, template, user_messages

PAGE = ROOT / "docs" / "troubleshooting.md"


def test_every_message_in_the_source_has_an_entry() -> None:
    page = normalize(PAGE.read_text(encoding="utf-8"))
    messages = user_messages()
    assert len(messages) > 100  # the scan finds the messages, not nothing
    missing = [f"{m.where}: {m.stem}" for m in messages if normalize(m.stem) not in page]
    assert missing == [], "add these to docs/troubleshooting.md:\n" + "\n".join(missing)


def test_every_finding_code_has_a_section() -> None:
    page = PAGE.read_text(encoding="utf-8")
    missing = [code.value for code in FindingCode if f"`{code.value}`" not in page]
    assert missing == []


def test_the_stem_is_the_message_without_values_and_fix() -> None:
    import ast

    call = ast.parse('f"--repo {root} is not a directory; pass {a}{b} the root"', mode="eval")
    text = template(call.body)
    assert (
        text == f"--repo {PLACEHOLDER} is not a directory; pass {PLACEHOLDER}{PLACEHOLDER} the root"
    )
    assert stem_of(text) == f"--repo {PLACEHOLDER} is not a directory"
    assert stem_of("budget-gate: " + "x " * 60).endswith("x") and len(stem_of("x " * 60)) <= 80
    assert normalize("`a ... b`\n  c") == f"a {PLACEHOLDER} b c"
