"""Commit-message trailers read the way git reads them, for messages that come from the API.

`git.py` asks git itself (`%(trailers:only,unfold)`); when the Action has no local history it gets
commit messages from `GET /pulls/{n}/commits` instead, and this module must find exactly the same
trailers in them. It follows git's `trailer.c`:

- the title paragraph is never trailers; the trailer block is the message's last paragraph;
- trailing blank and `#` comment lines are ignored; a `#` line inside the block is skipped, and
  indented lines below it count as prose;
- a trailer line is `Token: value` where the token is letters, digits and `-`, optionally
  followed by spaces before the colon, and the line does not start with whitespace;
- a line starting with whitespace continues the trailer above it (unfolded into one line);
- the last paragraph is a trailer block when all its lines are trailers (or continuations), or
  when it holds a git-generated line (`Signed-off-by: `, `(cherry picked from commit `) and at
  least a quarter of its lines are trailers;
- with `only`, lines without a separator (such as the cherry-pick note) are not returned.

Tests run git and this parser on the same messages and require the same answer.
"""

from __future__ import annotations

_GIT_GENERATED_PREFIXES = ("Signed-off-by: ", "(cherry picked from commit ")
_COMMENT = "#"


def _is_blank(line: str) -> bool:
    return not line.strip()


def _separator_position(line: str) -> int:
    """Index of the `:` ending a trailer token at the start of `line`, or -1."""
    seen_space = False
    for index, char in enumerate(line):
        if not seen_space and ((char.isascii() and char.isalnum()) or char == "-"):
            continue
        if index > 0 and char in " \t":
            seen_space = True
            continue
        return index if char == ":" else -1
    return -1


def _content_lines(message: str) -> list[str]:
    """The message's lines without the trailing blank and comment lines git ignores."""
    lines = message.replace("\r\n", "\n").split("\n")
    while lines and (_is_blank(lines[-1]) or lines[-1].startswith(_COMMENT)):
        lines.pop()
    return lines


def _title_end(lines: list[str]) -> int:
    """Index of the first line after the title paragraph."""
    for index, line in enumerate(lines):
        if line.startswith(_COMMENT):
            continue
        if _is_blank(line):
            return index
    return len(lines)


def _block_start(lines: list[str]) -> int | None:
    """Index of the first line of the trailer block, or None when the message has none."""
    end_of_title = _title_end(lines)
    only_spaces = True
    recognized_prefix = False
    trailer_lines = non_trailer_lines = possible_continuations = 0
    for index in range(len(lines) - 1, end_of_title - 1, -1):
        line = lines[index]
        if line.startswith(_COMMENT):  # a comment cuts off the continuation lines below it
            non_trailer_lines += possible_continuations
            possible_continuations = 0
            continue
        if _is_blank(line):
            if only_spaces:
                continue
            non_trailer_lines += possible_continuations
            if recognized_prefix and trailer_lines * 3 >= non_trailer_lines:
                return index + 1
            if trailer_lines and not non_trailer_lines:
                return index + 1
            return None
        only_spaces = False
        if line.startswith(_GIT_GENERATED_PREFIXES):
            trailer_lines += 1
            possible_continuations = 0
            recognized_prefix = True
        elif _separator_position(line) >= 1 and not line[0].isspace():
            trailer_lines += 1
            possible_continuations = 0
        elif line[0].isspace():
            possible_continuations += 1
        else:
            non_trailer_lines += 1 + possible_continuations
            possible_continuations = 0
    return None


def _unfold(value: str) -> str:
    """git's `unfold_value`: a newline and the whitespace after it become one space."""
    out: list[str] = []
    index = 0
    while index < len(value):
        char = value[index]
        index += 1
        if char == "\n":
            while index < len(value) and value[index].isspace():
                index += 1
            out.append(" ")
        else:
            out.append(char)
    return "".join(out).strip()


def parse_trailers(message: str) -> tuple[tuple[str, str], ...]:
    """The (key, value) trailers of a full commit message, as `%(trailers:only,unfold)` gives."""
    lines = _content_lines(message)
    start = _block_start(lines)
    if start is None:
        return ()
    raw: list[str] = []
    continues_last = False  # whether the entry above is a trailer a continuation may extend
    for line in lines[start:]:
        if continues_last and line[:1].isspace():
            raw[-1] += "\n" + line
            continue
        raw.append(line)
        continues_last = _separator_position(line) >= 1
    trailers: list[tuple[str, str]] = []
    for item in raw:
        position = _separator_position(item)
        if position < 1:
            continue
        key = item[:position].strip()
        value = _unfold(item[position + 1 :].strip())
        if key:
            trailers.append((key, value))
    return tuple(trailers)


def subject(message: str) -> str:
    """git's `%s`: the title paragraph's lines joined by spaces."""
    lines = message.replace("\r\n", "\n").lstrip("\n").split("\n")
    title: list[str] = []
    for line in lines:
        if _is_blank(line):
            break
        title.append(line.strip())
    return " ".join(title)
