"""Round-trip editing of estimates files (`yaml_edit.py`): a record is added or replaced and every
other byte, comment and record of the file stays as it was, whatever the file's layout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget_gate.estimate import yaml_edit
from budget_gate.estimate.yaml_edit import EditError, edit_records_file, record_lines
from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.models.common import Phase
from budget_gate.models.estimate import EstimationMethod, EstimationRecord, PhaseEstimate

NEW = EstimationRecord(
    plan_id="P1",
    slice_id="NO",  # a YAML 1.1 boolean if written bare
    estimated_requests=16,
    estimated_prompt_tokens=11_592,
    estimated_completion_tokens=2_898,
    estimation_method=EstimationMethod.HEURISTIC,
    estimation_owner="Dana Dé",
    estimation_timestamp=datetime(2026, 11, 25, 16, 56, 47, tzinfo=UTC),
    phases={Phase.THINK: PhaseEstimate(requests=13, prompt_tokens=10_080, completion_tokens=2_520)},
    notes="budget-gate estimate: x1.5 # not a comment",
)
NEW_LINES = [
    "plan_id: P1",
    'slice_id: "NO"',
    "estimated_requests: 16",
    "estimated_prompt_tokens: 11592",
    "estimated_completion_tokens: 2898",
    "estimation_method: HEURISTIC",
    'estimation_owner: "Dana Dé"',
    "estimation_timestamp: 2026-11-25T16:56:47Z",
    "phases:",
    "  THINK: {requests: 13, prompt_tokens: 10080, completion_tokens: 2520}",
    'notes: "budget-gate estimate: x1.5 # not a comment"',
]

RECORD_S1 = """plan_id: P1
slice_id: S1
estimated_requests: 40
estimated_prompt_tokens: 180000
estimated_completion_tokens: 36000
estimation_method: MANUAL
estimation_owner: maria
estimation_timestamp: 2026-11-02T09:15:00Z"""


def indented(text: str, first: str, rest: str) -> str:
    lines = text.splitlines()
    return "\n".join([first + lines[0], *(rest + line for line in lines[1:])]) + "\n"


def loaded(data: bytes) -> list[EstimationRecord]:
    result = load_artifact("e.yaml", data, ArtifactKind.ESTIMATE, max_aliases=100)
    assert [item for item in result.findings if item.severity == "error"] == []
    return [item.record for item in result.estimates]


def add(text: str | None) -> str:
    data = edit_records_file(
        path="e.yaml",
        old=None if text is None else text.encode(),
        record=NEW,
        kind=ArtifactKind.ESTIMATE,
        list_key="estimates",
    )
    return data.decode()


def test_the_record_is_written_as_plain_readable_yaml() -> None:
    assert record_lines(NEW.model_dump(exclude_none=True)) == NEW_LINES


def test_a_list_file_with_comments_everywhere_gains_the_record_after_the_last_one() -> None:
    old = (
        "# Estimates for P1.\n"
        "estimates:\n"
        "  # S1 first.\n"
        + indented(RECORD_S1, "  - ", "    ").replace(
            "estimated_requests: 40\n", "estimated_requests: 40   # turns\n"
        )
        + "\n  # S2 next.\n"
        + indented(RECORD_S1.replace("S1", "S2"), "  - ", "    ")
        + "# The end.\n"
    )
    new = add(old)
    head, tail = old.removesuffix("# The end.\n"), "# The end.\n"
    assert new == head + indented("\n".join(NEW_LINES), "  - ", "    ") + tail
    assert [item.slice_id for item in loaded(new.encode())] == ["S1", "S2", "NO"]
    assert loaded(new.encode())[-1] == NEW


def test_a_top_level_list_keeps_its_own_indentation() -> None:
    old = "# all estimates\n" + indented(RECORD_S1, "- ", "  ") + "\n# trailing note\n"
    new = add(old)
    assert new == (
        "# all estimates\n"
        + indented(RECORD_S1, "- ", "  ")
        + indented("\n".join(NEW_LINES), "- ", "  ")
        + "\n# trailing note\n"
    )
    assert loaded(new.encode())[1] == NEW


def test_a_file_holding_one_record_becomes_a_list_with_every_line_kept() -> None:
    old = "# The S1 estimate.\n" + RECORD_S1.replace("maria", "maria  # lead") + "\n"
    new = add(old)
    expected_old_part = indented(RECORD_S1.replace("maria", "maria  # lead"), "  - ", "    ")
    assert new == (
        "# The S1 estimate.\nestimates:\n"
        + expected_old_part
        + indented("\n".join(NEW_LINES), "  - ", "    ")
    )
    assert [item.slice_id for item in loaded(new.encode())] == ["S1", "NO"]


def test_a_block_scalar_at_the_end_of_the_last_record_is_kept_intact() -> None:
    old = "estimates:\n" + indented(
        RECORD_S1 + "\nnotes: |\n  line one\n  line two\n", "  - ", "    "
    )
    new = add(old)
    assert loaded(new.encode())[0].notes == "line one\nline two\n"
    assert loaded(new.encode())[1] == NEW


@pytest.mark.parametrize("text", [None, "", "# only a comment\n", "\n\n"])
def test_a_missing_empty_or_comment_only_file_gets_an_estimates_list(text: str | None) -> None:
    new = add(text)
    assert new == (text or "") + "estimates:\n" + indented("\n".join(NEW_LINES), "  - ", "    ")
    assert loaded(new.encode()) == [NEW]


def test_windows_line_endings_and_a_byte_order_mark_are_kept() -> None:
    old = "\ufeff# crlf\r\nestimates:\r\n" + indented(RECORD_S1, "  - ", "    ").replace(
        "\n", "\r\n"
    )
    new = add(old)
    assert new.startswith(old)
    assert "\n" not in new.replace("\r\n", "")
    assert loaded(new.encode())[1] == NEW


def test_a_file_without_a_final_newline_is_extended_cleanly() -> None:
    old = "estimates:\n" + indented(RECORD_S1, "  - ", "    ").rstrip("\n")
    assert loaded(add(old).encode())[1] == NEW


def test_replacing_a_record_keeps_the_others_and_the_comments_around_it() -> None:
    old = (
        "# header\nestimates:\n"
        + indented(RECORD_S1, "  - ", "    ")
        + "  # about NO\n"
        + indented(RECORD_S1.replace("S1", '"NO"').replace("# inner", ""), "  - ", "    ")
        + "# footer\n"
    )
    new = edit_records_file(
        path="e.yaml",
        old=old.encode(),
        record=NEW,
        kind=ArtifactKind.ESTIMATE,
        list_key="estimates",
        replace_line=12,  # header, estimates:, 8 lines of S1, the comment
    ).decode()
    assert new == (
        "# header\nestimates:\n"
        + indented(RECORD_S1, "  - ", "    ")
        + "  # about NO\n"
        + indented("\n".join(NEW_LINES), "  - ", "    ")
        + "# footer\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("estimates: []\n", "writes estimates in flow style"),
        ("estimates: nothing\n", "estimates must be a list of estimation records"),
        ("estimates:\n  - plan_id: P1\n    slice_id: [\n", "is not YAML the editor can follow"),
        (
            "estimates:\n" + indented(RECORD_S1.replace("40", "forty"), "  - ", "    "),
            "e.yaml:4: estimates[0].estimated_requests must be a whole number",
        ),
    ],
)
def test_a_file_it_cannot_extend_safely_is_refused_and_left_alone(text: str, message: str) -> None:
    with pytest.raises(EditError) as caught:
        add(text)
    assert message in str(caught.value)


def test_an_edit_that_would_change_other_records_is_refused_with_the_record_to_paste(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The loader-based check is the safety net for layouts the text editor misjudges: here the
    editor is made to lose the old record, and nothing is returned to write."""
    old = "estimates:\n" + indented(RECORD_S1, "  - ", "    ")

    def loses_the_old_record(text: str, lines: list[str], *, list_key: str, path: str) -> str:
        return "estimates:\n" + indented("\n".join(lines), "  - ", "    ")

    monkeypatch.setattr(yaml_edit, "append_record", loses_the_old_record)
    with pytest.raises(EditError) as caught:
        add(old)
    message = str(caught.value)
    assert message.startswith("e.yaml is laid out in a way the editor cannot extend")
    assert 'nothing was written. Add the record by hand:\nplan_id: P1\nslice_id: "NO"' in message


comment_lines = st.lists(
    st.text(alphabet="abc #:-_'\"é", max_size=20).map(lambda text: "# " + text), max_size=3
)


@settings(max_examples=150, deadline=None)
@given(
    before=comment_lines,
    between=comment_lines,
    after=comment_lines,
    dash=st.sampled_from([0, 2, 4]),
)
def test_any_comments_and_indentation_survive_byte_for_byte(
    before: list[str], between: list[str], after: list[str], dash: int
) -> None:
    pad = " " * dash
    old = (
        "".join(line + "\n" for line in before)
        + "estimates:\n"
        + indented(RECORD_S1, pad + "- ", pad + "  ")
        + "".join(pad + line + "\n" for line in between)
        + indented(RECORD_S1.replace("S1", "S2"), pad + "- ", pad + "  ")
        + "".join(line + "\n" for line in after)
    )
    new = add(old)
    # The old text is a prefix plus suffix of the new one: nothing of it changed or moved.
    split = len(old) - len("".join(line + "\n" for line in after))
    assert new.startswith(old[:split])
    assert new.endswith(old[split:])
    assert [item.slice_id for item in loaded(new.encode())] == ["S1", "S2", "NO"]
