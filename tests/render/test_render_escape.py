"""The escaping filters, as plain functions: every user string must render literally on GitHub."""

from __future__ import annotations

import html
import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from budget_gate.render import MARKER
from budget_gate.render.escape import (
    code_block,
    inert,
    md_cell,
    md_code,
    md_text,
    plain,
    plain_path,
    shorten,
    yaml_scalar,
)
from budget_gate.render.links import LinkContext, safe_url
from budget_gate.render.numbers import count, plural, signed_count, signed_percent

ZWSP = "&#8203;"


def test_raw_html_is_shown_not_run() -> None:
    assert md_text("<script>alert(1)</script>") == "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"
    assert md_text("<img src=x onerror=alert(1)>").startswith("&lt;img")


def test_html_comment_cannot_hide_the_rest_or_forge_the_marker() -> None:
    assert "<!--" not in md_text("<!-- hide everything after")
    assert MARKER not in md_text(MARKER)
    assert MARKER not in md_cell(MARKER)
    assert MARKER not in md_code(MARKER)
    assert MARKER not in code_block(MARKER)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("@octocat", f"@{ZWSP}octocat"),
        ("ping @org/team now", f"ping @{ZWSP}org/team now"),
        ("(@someone)", f"\\(@{ZWSP}someone\\)"),
        ("line\n@next", f"line<br>@{ZWSP}next"),
    ],
)
def test_mentions_never_ping(raw: str, escaped: str) -> None:
    assert md_text(raw) == escaped


def test_email_addresses_stay_readable() -> None:
    """GitHub does not link `@` after a letter, digit or underscore, so those are left alone."""
    assert md_text("dev@example.com") == "dev@example\\.com"
    assert md_text("a_@b") == "a\\_@b"


@pytest.mark.parametrize(
    "raw",
    [
        "*bold* _em_ ~~del~~",
        "[x](javascript:alert(1))",
        "![img](https://evil.example/x.png)",
        "# heading",
        "1. list",
        "- list",
        "> quote",
        "$x^2$",
        "`code`",
        "https://evil.example",
        "{{ jinja }}",
    ],
)
def test_markdown_syntax_is_escaped(raw: str) -> None:
    escaped = md_text(raw)
    # Every markdown-significant character is preceded by a backslash.
    for char in "*_~[]()!#.-$`{}:":
        assert re.search(rf"(?<!\\){re.escape(char)}", escaped) is None, (raw, escaped)


def test_link_injection_does_not_produce_a_link() -> None:
    assert md_text("[x](javascript:alert(1))") == "\\[x\\]\\(javascript\\:alert\\(1\\)\\)"


def test_md_text_keeps_line_breaks_visible_but_inline() -> None:
    assert md_text("one\r\ntwo\nthree") == "one<br>two<br>three"
    assert "\n" not in md_text("a\n\n# b")


def test_md_cell_never_breaks_a_table_row() -> None:
    assert md_cell("a | b") == "a \\| b"
    assert md_cell("first\n\n  second\r\nthird") == "first second third"
    assert "\n" not in md_cell("x\u2028y")


def test_control_and_bidi_characters_are_made_visible() -> None:
    assert md_text("a\u202eb") == "a\ufffdb"
    assert plain("red\x1b[31m") == "red\ufffd[31m"
    assert plain("a\nb\tc") == "a b c"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("plans/a.yaml", "`plans/a.yaml`"),
        ("a`b", "``a`b``"),
        ("``x``", "``` ``x`` ```"),
        ("`", "`` ` ``"),
        ("", "` `"),
        (" padded ", "`  padded  `"),
    ],
)
def test_md_code_survives_backticks(raw: str, code: str) -> None:
    assert md_code(raw) == code


def test_md_code_in_a_cell_escapes_pipes_and_newlines() -> None:
    assert md_code("a|b\nc", cell=True) == "`a\\|b c`"
    assert md_code("a|b") == "`a|b`"


def test_code_block_fence_outlasts_any_fence_in_the_value() -> None:
    block = code_block("x\n```\ny\n`````", "yaml")
    assert block.startswith("``````yaml\n")
    assert block.endswith("\n``````")
    assert code_block("a", "yaml; rm -rf").startswith("```yamlrm-rf\n")


@pytest.mark.parametrize(
    "value",
    [
        "NO",
        "0012",
        "1e3",
        "null",
        "~",
        "a: b",
        "#x",
        "- x",
        "it's",
        'say "hi"',
        "é",
        "\u2028",
        "\t",
    ],
)
def test_yaml_scalar_loads_back_as_the_same_string(value: str) -> None:
    assert yaml.safe_load(f"key: {yaml_scalar(value)}") == {"key": value}


@given(st.text())
def test_yaml_scalar_round_trips_any_text(value: str) -> None:
    assert yaml.safe_load(f"key: {yaml_scalar(value)}") == {"key": value}


@given(st.text())
def test_escaped_text_has_no_raw_html_and_no_live_mention(value: str) -> None:
    for escaped in (md_text(value), md_cell(value)):
        assert isinstance(escaped, Markup)
        assert "<" not in escaped.replace("<br>", "")
        assert re.search(r"(?<![A-Za-z0-9_\\])@(?!&#8203;)[A-Za-z0-9]", escaped) is None
    assert "\n" not in md_cell(value)
    assert re.search(r"(?<!\\)\|", md_cell(value)) is None


def test_shorten() -> None:
    assert shorten("abcdef", 4) == "abc…"
    assert shorten("abc", 4) == "abc"
    assert shorten("abc", 0) == ""


def test_numbers() -> None:
    assert count(1234567) == "1,234,567"
    assert count(None) == "—"
    assert signed_count(-1200) == "-1,200"
    assert signed_percent(0.375) == "+37.5 %"
    assert signed_percent(-0.1) == "-10.0 %"
    assert signed_percent(None) == "—"
    assert signed_percent(float("inf")) == "—"
    assert plural(1, "error") == "1 error"
    assert plural(2_000, "slice") == "2,000 slices"


def test_links_encode_every_part() -> None:
    links = LinkContext(server_url="https://github.com/", repository="o/r", head_sha="abc")
    url = links.blob_url("dir/a b) [x](y).md", 12)
    assert url == "https://github.com/o/r/blob/abc/dir/a%20b%29%20%5Bx%5D%28y%29.md#L12"
    assert links.blob_url("a.md") == "https://github.com/o/r/blob/abc/a.md"
    assert safe_url("javascript:alert(1)") is None
    bad_server = LinkContext(server_url="javascript:x", repository="o/r", head_sha="abc")
    assert bad_server.blob_url("a.md", 1) is None


def _github_html(markdown: str) -> str:
    gfm = pytest.importorskip("cmarkgfm")
    return str(gfm.github_flavored_markdown_to_html(markdown))


def _visible(fragment: str) -> str:
    text = re.sub(r"<[^>]+>", "", re.sub(r"<br ?/?>", "\n", fragment))
    return html.unescape(text).replace("\u200b", "").strip()


@pytest.mark.parametrize(
    "raw",
    [
        "<script>x</script> <!-- c --> @org/team [a](javascript:b) *e* `t` a|b # h $m$",
        "https://example.com/a_b_c and www.example.com ![i](https://x/y.png)",
        "trailing\\",
        "&amp; &#64; \\|",
    ],
)
def test_github_renderer_shows_the_text_literally(raw: str) -> None:
    """Optional: runs only where cmarkgfm (GitHub's own cmark fork) is installed."""
    paragraph = _github_html(f"x {md_text(raw)} y")
    assert "<a " not in paragraph
    assert _visible(paragraph) == f"x {raw} y"
    cells = re.findall(
        r"<td>(.*?)</td>", _github_html(f"| h | i |\n|---|---|\n| {md_cell(raw)} | z |")
    )
    assert [_visible(cell) for cell in cells] == [raw, "z"]
    code_cells = re.findall(
        r"<td>(.*?)</td>", _github_html(f"| h | i |\n|---|---|\n| {md_code(raw, cell=True)} | z |")
    )
    assert [_visible(cell) for cell in code_cells] == [raw, "z"]
    assert _visible(_github_html(f"x {md_code(raw)} y")) == f"x {raw} y"


@given(st.text(alphabet=st.sampled_from([":", "#", "[", " ", "\t", "\n", "a", "e", "\u200b"])))
def test_inert_text_holds_no_workflow_command(text: str) -> None:
    for line in inert(text).split("\n"):
        assert not line.lstrip().startswith("::")
        assert "##[" not in line
    assert inert(inert(text)) == inert(text)


def test_a_path_that_would_start_a_command_gets_dot_slash() -> None:
    assert plain_path("::error::x.yaml") == "./::error::x.yaml"
    assert plain_path(" ::x") == "./ ::x"
    assert plain_path("plans/a.yaml") == "plans/a.yaml"
