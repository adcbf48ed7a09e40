"""The YAML reader: IDs and keys stay text, positions give lines, hostile input is refused."""

from __future__ import annotations

import datetime
import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from budget_gate.load.yaml_reader import MAX_DEPTH, YamlDocument, YamlRead, read_yaml
from budget_gate.models.findings import FindingCode


def read(text: str | bytes, *, max_aliases: int = 100, front_matter: bool = False) -> YamlRead:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_yaml(data, path="f.yaml", max_aliases=max_aliases, front_matter=front_matter)


def document(text: str, **kwargs: bool | int) -> YamlDocument:
    result = read(text, **kwargs)  # type: ignore[arg-type]
    assert result.findings == [], [item.message for item in result.findings]
    assert result.document is not None
    return result.document


def only_message(result: YamlRead) -> tuple[int | None, str]:
    assert result.document is None
    assert len(result.findings) == 1, result.findings
    finding = result.findings[0]
    assert finding.code is FindingCode.INVALID_ARTIFACT
    assert finding.path == "f.yaml"
    return finding.line, finding.message


# --- IDs and keys stay text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("NO", "NO"),  # YAML 1.1 boolean
        ("off", "off"),
        ("true", "true"),
        ("0012", "0012"),  # octal-looking int
        ("12", "12"),
        ("1e3", "1e3"),  # float
        ("0x1F", "0x1F"),
        ("1_000", "1_000"),
        (".inf", ".inf"),
        ("2026-01-01", "2026-01-01"),  # date
        ("'0012'", "0012"),  # quoted stays as written, without the quotes
        ('"NO"', "NO"),
    ],
)
def test_ids_keep_the_text_written(written: str, expected: str) -> None:
    data = document(f"plan_id: {written}\nslice_id: {written}\nrun_id: {written}\n").data
    assert data == {"plan_id": expected, "slice_id": expected, "run_id": expected}


def test_ids_stay_text_at_any_depth_but_other_values_keep_their_types() -> None:
    data = document(
        "plan_id: 0012\n"
        "actual_requests: 12\n"
        "duration_seconds: 1.5\n"
        "done: yes\n"
        "slices:\n"
        "  - slice_id: NO\n"
        "    deeper: {agent_id: 1e3, session_id: 007, count: 007}\n"
    ).data
    assert data == {
        "plan_id": "0012",
        "actual_requests": 12,
        "duration_seconds": 1.5,
        "done": True,
        "slices": [
            {
                "slice_id": "NO",
                "deeper": {"agent_id": "1e3", "session_id": "007", "count": 7},
            }
        ],
    }


def test_the_same_text_resolves_by_how_it_is_written_every_time() -> None:
    # Implicit tags of short scalars are memoized across files: a quoted "12" must stay text
    # and a plain 12 a number however often, and in whichever order, each is seen.
    text = 'a: 12\nb: "12"\nc: yes\nd: \'yes\'\ne: 2026-11-01\nf: "2026-11-01"\ng: ~\nh: "~"\n'
    expected = {
        "a": 12,
        "b": "12",
        "c": True,
        "d": "yes",
        "e": datetime.date(2026, 11, 1),
        "f": "2026-11-01",
        "g": None,
        "h": "~",
    }
    for _ in range(3):
        assert document(text).data == expected
    long_number = "1" * 80  # past the memoized length: resolved as PyYAML always does
    assert document(f"n: {long_number}\ns: '{long_number}'\n").data == {
        "n": int(long_number),
        "s": long_number,
    }


def test_a_null_id_stays_null_so_validation_can_report_it() -> None:
    assert document("plan_id: ~\nslice_id:\nrun_id: null\n").data == {
        "plan_id": None,
        "slice_id": None,
        "run_id": None,
    }


def test_an_id_written_as_a_list_is_left_for_validation() -> None:
    assert document("plan_id: [a, b]\n").data == {"plan_id": ["a", "b"]}


def test_keys_are_the_text_written() -> None:
    assert document("on: 1\nNO: 2\n12: 3\n~: 4\n").data == {"on": 1, "NO": 2, "12": 3, "~": 4}


# --- positions -----------------------------------------------------------------------------

PLAN = """\
# a comment
plan_id: P1
status: draft
slices:
  - slice_id: S1
    paths:
      - src/a/**
      - src/b/**
  - slice_id: S2
    paths: [x, y, z]
"""


def test_each_mapping_knows_its_start_and_key_lines() -> None:
    doc = document(PLAN)
    assert doc.line == 2
    assert doc.start_line(doc.data) == 2
    assert dict(doc.key_lines(doc.data)) == {"plan_id": 2, "status": 3, "slices": 4}
    assert isinstance(doc.data, dict)
    second = doc.data["slices"][1]
    assert doc.start_line(second) == 9
    assert dict(doc.key_lines(second)) == {"slice_id": 9, "paths": 10}


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        ((), 2),
        (("status",), 3),
        (("slices",), 4),
        (("slices", 0), 5),
        (("slices", 0, "paths", 1), 8),
        (("slices", 1, "paths", 2), 10),
        (("slices", 1, "status"), 9),  # missing key: the enclosing mapping
        (("slices", 7, "status"), 4),  # no such item: the list's key
        (("thresholds", "warn"), 2),  # nothing known: the document
        (("slices", "function-after[x]", 1, "slice_id"), 9),  # pydantic tags are skipped
    ],
)
def test_line_of_a_pydantic_loc(loc: tuple[int | str, ...], line: int) -> None:
    assert document(PLAN).line_of(loc) == line


def test_line_of_relative_to_a_record() -> None:
    doc = document("reports:\n  - run_id: a\n  - run_id: b\n    status: x\n")
    assert isinstance(doc.data, dict)
    second = doc.data["reports"][1]
    assert doc.line_of(("status",), within=second) == 4
    assert doc.line_of(("missing",), within=second) == 3


def test_positions_of_unknown_objects_fall_back() -> None:
    doc = document("a: 1\n")
    assert doc.start_line({"a": 1}) == 1
    assert doc.start_line([], default=7) == 7
    assert doc.key_lines("text") == {}


# --- front matter ----------------------------------------------------------------------------


def test_front_matter_lines_are_those_of_the_markdown_file() -> None:
    doc = document(
        "---\nplan_id: P1\nslices:\n  - slice_id: S1\n---\n\n# Title\n\nkey: not yaml\n",
        front_matter=True,
    )
    assert doc.data == {"plan_id": "P1", "slices": [{"slice_id": "S1"}]}
    assert doc.line_of(("slices", 0, "slice_id")) == 4
    assert doc.line == 2


def test_front_matter_may_end_with_dots_and_use_crlf() -> None:
    doc = document("---\r\nplan_id: P1\r\nstatus: draft\r\n...\r\nbody\r\n", front_matter=True)
    assert doc.data == {"plan_id": "P1", "status": "draft"}
    assert dict(doc.key_lines(doc.data)) == {"plan_id": 2, "status": 3}


def test_markdown_without_front_matter_is_a_finding_with_a_fix() -> None:
    result = read("# Plan\n\nplan_id: P1\n", front_matter=True)
    assert only_message(result) == (1, "this Markdown plan has no YAML front matter")
    assert result.findings[0].fix is not None
    assert "---" in result.findings[0].fix


def test_unterminated_front_matter() -> None:
    line, message = only_message(read("---\nplan_id: P1\n", front_matter=True))
    assert (line, message) == (1, "the front matter that starts at line 1 is never closed")


def test_empty_front_matter() -> None:
    result = read("---\n---\n# Title\n", front_matter=True)
    assert result.empty
    assert only_message(result) == (1, "the front matter is empty: there is no YAML in it")


def test_syntax_error_in_front_matter_has_the_markdown_line() -> None:
    line, message = only_message(read("---\nplan_id: P1\nstatus: [draft\n---\n", front_matter=True))
    assert line == 3
    assert message.startswith("YAML syntax error at line 3")


# --- duplicate keys and merges ---------------------------------------------------------------


def test_duplicate_key_names_the_key_and_both_lines_and_keeps_the_last_value() -> None:
    result = read("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert result.document is not None
    assert result.document.data == {"a": 3, "b": {"c": 2}}
    found = sorted((item.line, item.field, item.message) for item in result.findings)
    assert found == [
        (
            4,
            "c",
            "key 'c' appears twice in one mapping (lines 3 and 4); YAML keeps only the last one",
        ),
        (
            5,
            "a",
            "key 'a' appears twice in one mapping (lines 1 and 5); YAML keeps only the last one",
        ),
    ]


def test_merge_keys_work_and_an_override_is_not_a_duplicate() -> None:
    doc = document("base: &base {x: 1, y: 2}\nother:\n  <<: *base\n  y: 3\n")
    assert doc.data == {"base": {"x": 1, "y": 2}, "other": {"x": 1, "y": 3}}
    assert isinstance(doc.data, dict)
    assert doc.key_lines(doc.data["other"])["y"] == 4


def test_a_duplicate_next_to_a_merge_is_still_reported() -> None:
    result = read("base: &base {x: 1}\nother:\n  <<: *base\n  y: 3\n  y: 4\n")
    assert [(item.line, item.field) for item in result.findings] == [(5, "y")]


# --- aliases and depth -----------------------------------------------------------------------


def test_aliases_within_the_limit_are_expanded() -> None:
    doc = document("a: &a [1, 2]\nb: *a\nc: *a\n")
    assert doc.data == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}


# b holds 2 aliases; each of the 2 uses of *b counts itself plus those 2: 2 + 2 * 3 = 8 in all.
NESTED_ALIASES = "a: &a [1]\nb: &b [*a, *a]\nc: [*b, *b]\n"


def test_aliases_are_counted_as_a_full_expansion_would_see_them() -> None:
    assert read(NESTED_ALIASES, max_aliases=8).findings == []
    line, message = only_message(read(NESTED_ALIASES, max_aliases=7))
    assert line == 3
    assert "more than 7 aliases" in message


def test_scalar_aliases_count_too() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 5) + "]\n"
    assert read(text, max_aliases=5).findings == []
    assert "more than 4 aliases" in only_message(read(text, max_aliases=4))[1]


def test_zero_aliases_allowed_refuses_any_alias() -> None:
    assert "more than 0 aliases" in only_message(read("a: &a 1\nb: *a\n", max_aliases=0))[1]


def test_an_anchor_without_alias_is_fine_even_with_zero_aliases_allowed() -> None:
    assert document("a: &a 1\nb: '*'\n", max_aliases=0).data == {"a": 1, "b": "*"}


def test_billion_laughs_fails_fast() -> None:
    levels = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 30):  # 10**30 strings if expanded
        aliases = ", ".join([f"*l{level - 1}"] * 10)
        levels.append(f"l{level}: &l{level} [{aliases}]")
    started = time.perf_counter()
    line, message = only_message(read("\n".join(levels) + "\n", max_aliases=100_000))
    assert time.perf_counter() - started < 1.0
    assert "more than 100000 aliases" in message
    assert line == 6  # l5 is the first level whose expansion holds 10 + 100 + ... > 100,000


def test_recursive_alias_is_refused() -> None:
    line, message = only_message(read("a: &a\n  - 1\n  - *a\n"))
    assert line == 1
    assert "refers to the mapping or list that contains it" in message


def test_depth_up_to_the_limit_is_fine_and_one_more_is_refused() -> None:
    # The document's mapping is level 1, so `x:` can hold MAX_DEPTH - 1 nested lists.
    ok = "x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert read(ok).findings == []
    too_deep = "a: 1\nx: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"
    assert only_message(read(too_deep)) == (
        2,
        f"mappings and lists are nested more than {MAX_DEPTH} levels deep",
    )


def test_depth_reached_through_an_alias_is_refused() -> None:
    deep = "[" * 60 + "]" * 60
    text = f"a: &deep {deep}\nb: {'[' * 50}*deep{']' * 50}\n"
    line, message = only_message(read(text))
    assert line == 2
    assert "nested more than 100 levels" in message


def test_depth_beyond_libyaml_own_limit_is_still_a_finding() -> None:
    line, message = only_message(read("x: " + "[" * 5000 + "]" * 5000 + "\n"))
    assert line == 1
    assert "nesting depth" in message or "nested more than" in message


# --- encodings, empties, syntax, tags, documents -----------------------------------------------


def test_non_utf8_names_the_byte_and_line() -> None:
    assert only_message(read(b"a: 1\nb: caf\xe9\n")) == (2, "file is not UTF-8 at byte 11")


def test_utf8_bom_is_accepted() -> None:
    assert document("\ufeffplan_id: 0012\n").data == {"plan_id": "0012"}


@pytest.mark.parametrize("text", ["", "\n\n", "   \t\n", "# only a comment\n"])
def test_empty_files_are_findings(text: str) -> None:
    result = read(text)
    assert result.empty
    assert only_message(result) == (1, "the file is empty: there is no YAML in it")


def test_a_null_document_is_data_not_a_finding() -> None:
    result = read("---\n")
    assert result.findings == []
    assert result.document is not None
    assert result.document.data is None


def test_syntax_error_keeps_the_parser_explanation() -> None:
    assert only_message(read("a: 1\nb: c: d\n")) == (
        2,
        "YAML syntax error at line 2, column 5: mapping values are not allowed in this context",
    )


def test_tab_indentation_says_to_use_spaces() -> None:
    result = read("a:\n\tb: 1\n")
    assert only_message(result)[0] == 2
    assert result.findings[0].fix is not None
    assert "spaces, not tabs" in result.findings[0].fix


def test_several_documents_are_refused() -> None:
    assert only_message(read("a: 1\n---\nb: 2\n")) == (
        2,
        "the file holds more than one YAML document (another starts at line 2)",
    )


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("a: !!python/object/apply:os.system ['ls']\n", "!!python/object/apply:os.system"),
        ("a: !!python/name:os.system\n", "!!python/name:os.system"),
        ("a: !custom x\n", "!custom"),
        ("!custom a: 1\n", "!custom"),
    ],
)
def test_unknown_tags_are_refused_clearly(text: str, tag: str) -> None:
    line, message = only_message(read(text))
    assert line == 1
    assert message.startswith(f"the tag {tag} is not allowed")


def test_standard_explicit_tags_are_fine() -> None:
    assert document("a: !!str 12\nb: !!int '7'\n").data == {"a": "12", "b": 7}


def test_unreadable_scalar_values_are_findings() -> None:
    assert only_message(read("a: 1\nb: 2026-02-30\n")) == (
        2,
        "the value '2026-02-30' cannot be read as !!timestamp: day is out of range for month",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!timestamp soon\n", "the value 'soon' cannot be read as !!timestamp"),
        ("!!timestamp soon\n", "the value 'soon' cannot be read as !!timestamp"),
        ("a: !!bool maybe\n", "the value 'maybe' cannot be read as !!bool"),
        ("a: !!int ''\n", "the value '' cannot be read as !!int"),
        ("a: !!float x\n", "the value 'x' cannot be read as !!float"),
        ("a: !!map [1]\n", "the tag !!map is on a list"),
        ("a: !!seq x\n", "the tag !!seq is on a scalar"),
        ("a: !!set [1]\n", "the value at line 1 cannot be read: expected a mapping node"),
        ("a: !!binary '%%%x'\n", "the value at line 1 cannot be read: failed to decode base64"),
    ],
)
def test_explicit_standard_tags_on_wrong_values_are_findings(text: str, message: str) -> None:
    line, got = only_message(read(text))
    assert line == 1
    assert got.startswith(message)


def test_the_module_uses_libyaml_when_available() -> None:
    from budget_gate.load import yaml_reader

    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert issubclass(yaml_reader._PositionLoader, expected)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_read_yaml_never_raises_on_bytes(data: bytes) -> None:
    result = read_yaml(data, path="f.yaml", max_aliases=5, front_matter=data[:1] == b"-")
    if result.document is None:
        assert result.findings
    for finding in result.findings:
        assert finding.path == "f.yaml"
        assert finding.line is None or finding.line >= 1


@settings(max_examples=400)
@given(st.text(alphabet="0123456789._+-eE:x oObB", min_size=1, max_size=12))
def test_numbers_read_as_pyyaml_reads_them(text: str) -> None:
    # Plain decimal counts and amounts skip PyYAML's general constructors; the value must be
    # exactly the one PyYAML gives (octal 012, 1_000, 1e3 as text, 1:30, .5 and +1 included).
    data = f"value: {text}\n".encode()
    try:
        expected = yaml.load(data, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return
    result = read_yaml(data, path="f.yaml", max_aliases=5)
    if result.document is None:  # the reader refuses what PyYAML cannot construct either
        return
    assert result.document.data == expected
    assert type(result.document.data["value"]) is type(expected["value"])


@settings(max_examples=300)
@given(
    st.one_of(
        st.from_regex(r"\A20[0-9]{2}-[01][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z\Z"),
        st.from_regex(
            r"\A[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}T[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?Z?\Z"
        ),
        st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")),
    )
)
def test_timestamps_read_as_pyyaml_reads_them(text: str) -> None:
    data = f"report_timestamp: {text}\n".encode()
    try:
        expected = yaml.load(data, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, ValueError):  # e.g. month 13: the reader gives a finding instead
        assert read_yaml(data, path="f.yaml", max_aliases=5).document is None
        return
    result = read_yaml(data, path="f.yaml", max_aliases=5)
    assert result.document is not None
    assert result.document.data == expected
    value = result.document.data["report_timestamp"]
    assert type(value) is type(expected["report_timestamp"])
    assert getattr(value, "tzinfo", None) == getattr(expected["report_timestamp"], "tzinfo", None)
