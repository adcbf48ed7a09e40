"""Users' own templates: block overrides work, the sandbox holds, and every problem is reported
as a one-line `TemplateProblem` naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_render_samples import failing_report

from budget_gate.load.resources import config_dir, templates_dir
from budget_gate.render import MARKER
from budget_gate.render.environment import TemplateProblem, make_environment
from budget_gate.render.markdown import render_markdown


def user_templates(tmp_path: Path, **files: str) -> Path:
    directory = tmp_path / "templates"
    directory.mkdir()
    for name, text in files.items():
        (directory / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return directory


def test_shipped_templates_and_config_are_found() -> None:
    assert (templates_dir() / "report.md.j2").is_file()
    assert config_dir().is_dir()


def test_a_user_template_overrides_one_block(tmp_path: Path) -> None:
    directory = user_templates(
        tmp_path,
        report__md__j2='{% extends "shipped/report.md.j2" %}\n'
        "{% block footer %}Ask #budget in chat. {{ report.verdict }}{% endblock %}\n",
    )
    text = render_markdown(failing_report(), template_dir=directory)
    assert text.startswith("## ❌ Plan Budget Gate: fail")
    assert "Ask #budget in chat. fail" in text
    assert "<sub>Plan Budget Gate" not in text
    assert text.rstrip().endswith(MARKER)


def test_a_user_partial_replaces_the_shipped_one(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, _footer__md__j2="Custom footer for {{ report.kind }}\n")
    text = render_markdown(failing_report(), template_dir=directory)
    assert "Custom footer for pull\\-request" in text


def test_user_templates_escape_by_default(tmp_path: Path) -> None:
    directory = user_templates(
        tmp_path,
        report__md__j2="{{ report.rows[0].title ~ '<b>' }} {{ marker }}",
    )
    report = failing_report()
    text = render_markdown(report, template_dir=directory)
    assert "&lt;b&gt;" in text


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__.__mro__",
        "report.__class__",
        "report.headline.text.__class__.__base__.__subclasses__()",
        "cycler.__init__.__globals__",
    ],
)
def test_the_sandbox_refuses_internals(tmp_path: Path, expression: str) -> None:
    directory = user_templates(tmp_path, report__md__j2=f"{{{{ {expression} }}}} {{{{ marker }}}}")
    with pytest.raises(TemplateProblem) as caught:
        render_markdown(failing_report(), template_dir=directory)
    problem = caught.value
    assert problem.path.endswith("report.md.j2")
    assert problem.line == 1
    assert "\n" not in str(problem)


def test_a_custom_template_without_the_marker_is_refused(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, report__md__j2="## {{ report.verdict }}\n")
    with pytest.raises(TemplateProblem) as caught:
        render_markdown(failing_report(), template_dir=directory)
    message = str(caught.value)
    assert str(directory / "report.md.j2") in message
    assert "marker" in message
    assert "{{ marker }}" in message
    assert "\n" not in message


def test_a_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    directory = user_templates(
        tmp_path, report__md__j2="line one\n{{ marker }}\n\n{% if report.verdict %%}\nx\n"
    )
    with pytest.raises(TemplateProblem) as caught:
        render_markdown(failing_report(), template_dir=directory)
    problem = caught.value
    assert problem.path == str(directory / "report.md.j2")
    assert problem.line == 4
    assert str(problem).startswith(f"{directory / 'report.md.j2'}:4: ")
    assert "fix the Jinja syntax" in str(problem)


def test_an_unclosed_block_names_the_file(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, report__md__j2="{{ marker }}\n{% if true %}\nx\n")
    with pytest.raises(TemplateProblem, match=r"report\.md\.j2:\d+: Unexpected end of template"):
        render_markdown(failing_report(), template_dir=directory)


def test_a_syntax_error_in_a_partial_names_the_partial(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, _notes__md__j2="ok\n{{ report.notes | }}\n")
    with pytest.raises(TemplateProblem) as caught:
        render_markdown(failing_report(), template_dir=directory)
    assert caught.value.path == str(directory / "_notes.md.j2")
    assert caught.value.line == 2


def test_an_undefined_name_names_file_and_line(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, report__md__j2="{{ marker }}\n\n{{ report.nope }}\n")
    with pytest.raises(TemplateProblem) as caught:
        render_markdown(failing_report(), template_dir=directory)
    assert (caught.value.path, caught.value.line) == (str(directory / "report.md.j2"), 3)
    assert "nope" in caught.value.problem


def test_a_filter_called_wrongly_is_a_template_problem(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, report__md__j2="{{ marker }}{{ 1 | plural }}\n")
    with pytest.raises(TemplateProblem) as caught:
        render_markdown(failing_report(), template_dir=directory)
    assert caught.value.line == 1


def test_a_missing_template_directory_is_a_template_problem(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem, match="does not exist"):
        make_environment(tmp_path / "nope")


def test_shipped_templates_render_without_the_sandbox() -> None:
    env = make_environment(None)
    assert (
        env.get_template("shipped/report.md.j2").filename
        == env.get_template("report.md.j2").filename
    )
