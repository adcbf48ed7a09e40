"""Filters that make a user's string safe in each place the report puts it.

Every string that came from a user's file (titles, messages, paths, IDs, notes) passes through
exactly one of these before it reaches the output, so it renders *literally* on GitHub:

- no raw HTML and no HTML comment (a `<!--` in a title could hide the rest of the comment,
  including the marker that finds the sticky comment);
- no markdown syntax (emphasis, links such as `[x](javascript:...)`, headings, lists, math);
- no `@mention` pings: a zero-width space (as the entity `&#8203;`) after each `@` that starts a
  name, the technique Dependabot uses in its release notes; GitHub matches mentions on the rendered
  text, so an escaped `\\@` or `&#64;` would still ping;
- no broken table rows: `|` escaped and newlines flattened;
- no terminal or bidi control characters (shown as U+FFFD so a reader sees something is off).

`#123` issue references are left alone: they link, but never notify anyone new.

Text for a terminal or a CI log (`plain`, `plain_path`, `inert`) must also never be read by the
Actions runner as a workflow command: a line whose first non-blank characters are `::`
(`::error title=X::…`, `::add-mask::…`, `::stop-commands::…`) and the legacy `##[command]`
anywhere in a line are both commands when the CLI runs in a `run:` step.
"""

from __future__ import annotations

import json
import re

from markupsafe import Markup

REPLACEMENT = "\ufffd"
ELLIPSIS = "…"

# C0/C1 controls (except tab and newlines, handled separately), DEL, bidi overrides/isolates and
# the Unicode line/paragraph separators, which YAML and some terminals treat as line breaks.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")
_SPACES_AROUND_NEWLINES = re.compile(r"[ \t]*(?:\r\n|\r|\n|\u2028|\u2029|\x85)+[ \t]*")

# ASCII punctuation with a meaning in GitHub markdown, escaped with a backslash (CommonMark lets
# any ASCII punctuation be escaped so). `$` is GitHub math; `~` strikethrough; `=`/`-` setext
# headings; `+`/`-`/`.` list markers; `!` images; `|` tables; `:` and `.` stop the autolink
# extension, which reads raw source and would show the backslashes inside a linked URL.
_BACKSLASHED = frozenset("\\`*_{}[]()#+-.!|~=$:")
# HTML-significant characters become entities, which CommonMark decodes in text.
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
# GitHub links `@name` and `@org/team` only after the start or a character outside
# [A-Za-z0-9_]; `name@example.com` never pings and is left readable.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")
_ZWSP_ENTITY = "&#8203;"
# The runner trims leading whitespace (not a zero-width space) before it looks for `::`, and
# looks for the legacy `##[` anywhere in a line.
COMMAND_START = "::"
LEGACY_COMMAND = "##["
_LEGACY_BROKEN = "#\u200b#["


def trusted(text: str) -> Markup:
    """Mark text this package built from escaped parts, numbers or its own words as safe.

    The one place that asserts safety, so a review of `Markup` use starts (and ends) here.
    """
    return Markup(text)  # noqa: S704 - callers pass only escaped or package-built text


def clean(value: object) -> str:
    """The string form of a value with control and bidi characters made visible as U+FFFD."""
    return _CONTROL.sub(REPLACEMENT, str(value))


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in `…` when it was cut."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


def _escape_line(line: str) -> str:
    out: list[str] = []
    for index, char in enumerate(line):
        if char in _BACKSLASHED:
            out.append("\\" + char)
        elif char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char == "\t":
            out.append(" ")
        elif char == "@" and _MENTION.match(line, index):
            out.append("@" + _ZWSP_ENTITY)
        else:
            out.append(char)
    return "".join(out)


def md_text(value: object) -> Markup:
    """A user string as markdown text that renders literally; newlines become `<br>`."""
    if value is None:
        return Markup("—")
    lines = _NEWLINES.split(clean(value))
    return trusted("<br>".join(_escape_line(line) for line in lines))


def md_cell(value: object) -> Markup:
    """`md_text` for a table cell: one line, pipes escaped, so the row never breaks."""
    if value is None:
        return Markup("—")
    flat = _SPACES_AROUND_NEWLINES.sub(" ", clean(value))
    return trusted(_escape_line(flat))


def md_code(value: object, *, cell: bool = False) -> Markup:
    """A value as an inline code span that survives any backticks in it.

    The fence is one backtick longer than the longest run inside, padded with a space when the
    value starts or ends with a backtick or space (CommonMark strips one such pair). Code spans
    never ping mentions or render HTML, so only `<!--` is broken up: the marker that finds the
    sticky comment must never come from user data. `cell=True` also escapes `|` for tables.
    """
    text = _SPACES_AROUND_NEWLINES.sub(" ", clean(value)).replace("<!--", "<\u200b!--")
    if cell:
        text = text.replace("|", "\\|")
    if not text.strip(" "):
        return trusted("`" + text + "`") if text else Markup("` `")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return trusted(f"{fence}{pad}{text}{pad}{fence}")


def code_block(value: object, lang: str = "") -> Markup:
    """A fenced code block whose fence no line of the value can close."""
    text = clean(value).replace("<!--", "<\u200b!--").rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return trusted(f"{fence}{re.sub(r'[^A-Za-z0-9_+-]', '', lang)}\n{text}\n{fence}")


def yaml_scalar(value: object) -> str:
    """A YAML double-quoted scalar that loads back as exactly this string.

    Always quoted, so `NO`, `0012` or `1e3` stay strings. JSON's string syntax is a subset of
    YAML's double-quoted style; characters YAML treats as line breaks or cannot print are escaped.
    """
    dumped = json.dumps(str(value), ensure_ascii=False)
    return "".join(char if char.isprintable() else _yaml_escape(char) for char in dumped)


def _yaml_escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def plain(value: object) -> str:
    """A user string for a terminal line: controls (ANSI escapes too) made visible, one line,
    no legacy workflow command (`##[`) in it."""
    if value is None:
        return "—"
    flat = _SPACES_AROUND_NEWLINES.sub(" ", clean(value).replace("\t", " "))
    return flat.replace(LEGACY_COMMAND, _LEGACY_BROKEN)


def plain_path(path: object) -> str:
    """`plain` for a path that starts a line: `./` in front when the line would otherwise
    start with `::`, a workflow command (the same file; editors still jump to it)."""
    text = plain(path)
    return f"./{text}" if text.lstrip().startswith(COMMAND_START) else text


def inert(text: str) -> str:
    """Text in which no line is a workflow command, whatever it holds: the last guard of every
    terminal output (a line starting with `::` gets a zero-width space in front)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.lstrip().startswith(COMMAND_START):
            line = "\u200b" + line
        lines[index] = line.replace(LEGACY_COMMAND, _LEGACY_BROKEN)
    return "\n".join(lines)
