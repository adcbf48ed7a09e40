"""Find every message the tool can print to a user, by reading the source (not by running it).

A message is the first argument of a `raise` of one of the tool's problem types (and of the
`ValueError`s that validators turn into findings), the message of a `Finding.of(...)`, a
`::warning::`/`::error::` annotation (`.annotate(level, message)`) and a line printed to stderr.
Its *stem* is the message as a template, placeholders shown as `…`, cut before the first `; `
(the fix, which may be reworded) and to 80 characters: stable when code moves between modules,
changed when the message itself changes. docs/troubleshooting.md must contain every stem.

    .venv/bin/python tests/message_scan.py      # list the stems, one a line, with where they are
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from locations import ROOT

SOURCE = ROOT / "src" / "budget_gate"
PLACEHOLDER = "…"

PROBLEM_TYPES = frozenset(
    {
        "GateError",
        "ConfigError",
        "EditError",
        "EstimateError",
        "ActionError",
        "AgentOutputError",
        "BundleError",
        "EventError",
        "FileExistsProblem",
        "GitError",
        "GitHubError",
        "TemplateProblem",
        "GlobError",
        "LedgerError",
        "PlottingMissing",
        "YamlLoadError",
        "ValueError",
    }
)
# ValueErrors that guard the code's own use, never the user's input: no doc entry needed.
INTERNAL_STEMS = frozenset(
    {
        "paths_containing needles must be single-line strings",
        f"max_chars must be at least {PLACEHOLDER}, not {PLACEHOLDER}",
        "the evidence section must not contain the section markers",
        f"incomplete remediation step {PLACEHOLDER}",
        f"{PLACEHOLDER} has no budget to remediate",
    }
)


@dataclass(frozen=True, slots=True)
class Message:
    stem: str
    where: str


def template(node: ast.expr) -> str | None:
    """The message with every interpolated value as `…`; None when it is not written out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else PLACEHOLDER for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template(node.left), template(node.right)
        if left is None and right is None:
            return None
        return (left or PLACEHOLDER) + (right or PLACEHOLDER)
    return None


def stem_of(text: str) -> str:
    text = " ".join(text.split())
    text = re.sub(rf"{PLACEHOLDER}(\s*{PLACEHOLDER})+", PLACEHOLDER, text)
    text = text.split("; ")[0].split(" (see ")[0]
    text = text.removeprefix("budget-gate: ").strip()
    return text[:80].rstrip()


def normalize(text: str) -> str:
    """Compare stems and docs without markdown code marks, escapes and line breaks."""
    text = text.replace("`", "").replace("\\|", "|").replace("\\_", "_").replace("...", PLACEHOLDER)
    return " ".join(text.split())


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _message_arg(call: ast.Call) -> ast.expr | None:
    name = _name(call.func)
    if (
        name == "of"
        and isinstance(call.func, ast.Attribute)
        and _name(call.func.value) == "Finding"
    ):
        if len(call.args) >= 2:
            return call.args[1]
        return next((kw.value for kw in call.keywords if kw.arg == "message"), None)
    if len(call.args) >= 2 and ast.unparse(call.args[0]).startswith("FindingCode."):
        return call.args[1]  # a rule's helper: (code, message, ...)
    if name == "_duplicate" and call.args:
        return call.args[0]
    if name == "annotate" and len(call.args) >= 2:
        return call.args[1]
    if name == "print" and any(
        kw.arg == "file" and "stderr" in ast.unparse(kw.value) for kw in call.keywords
    ):
        return call.args[0] if call.args else None
    return None


def _messages_in(path: Path) -> Iterator[Message]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = str(path.relative_to(ROOT))
    for node in ast.walk(tree):
        arg: ast.expr | None = None
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            if _name(node.exc.func) in PROBLEM_TYPES:
                words = {kw.arg: kw.value for kw in node.exc.keywords}
                arg = node.exc.args[0] if node.exc.args else words.get("problem")
        elif isinstance(node, ast.Call):
            arg = _message_arg(node)
        if arg is None:
            continue
        text = template(arg)
        if text is None:
            continue
        stem = stem_of(text)
        if stem.strip(PLACEHOLDER + " :.") and stem not in INTERNAL_STEMS:
            yield Message(stem=stem, where=f"{where}:{node.lineno}")


def user_messages() -> list[Message]:
    found: dict[str, Message] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for message in _messages_in(path):
            found.setdefault(message.stem, message)
    return sorted(found.values(), key=lambda message: message.where)


if __name__ == "__main__":
    for message in user_messages():
        print(f"{message.where}\t{message.stem}")
