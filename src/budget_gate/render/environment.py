"""The Jinja environments: escape-by-default for shipped templates, a sandbox for users' own.

Every `{{ value }}` goes through `finalize`, which escapes it as literal markdown (`md_text`)
unless it is already `Markup` (the output of a filter such as `md_cell`, `md_code` or `count`).
Jinja's HTML autoescape stays off on purpose: with it, `~` or `join` next to a `Markup` value
would only HTML-escape a user string and let `@mentions` and markdown through.

A user's templates directory is searched first, so a file there replaces the shipped one of the
same name; the shipped ones stay reachable as `shipped/<name>` so a user template can
`{% extends "shipped/report.md.j2" %}` and override only some `{% block %}`s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from budget_gate.load.resources import templates_dir
from budget_gate.render import MARKER, numbers
from budget_gate.render import escape as esc
from budget_gate.render.links import safe_url
from budget_gate.render.problems import TemplateProblem as TemplateProblem  # re-exported

MAIN_TEMPLATE = "report.md.j2"
SHIPPED_PREFIX = "shipped"
TEMPLATE_SUFFIX = ".j2"


def _finalize(value: object) -> object:
    if isinstance(value, Markup):
        return value
    return esc.md_text(value)


def _link(text: object, url: object) -> Markup:
    """`[text](url)`; just the text when there is no (http) URL. Unsafe parts are escaped."""
    label = text if isinstance(text, Markup) else esc.md_text(text)
    target = url if isinstance(url, Markup) else safe_url(str(url)) if url else None
    if target is None:
        return label
    return Markup("[{}]({})").format(label, target)


def _short_ref(value: object) -> str:
    """A commit SHA cut to 7 characters; branch names and tags as they are."""
    text = str(value)
    if len(text) == 40 and all(char in "0123456789abcdef" for char in text.lower()):
        return text[:7]
    return esc.shorten(text, 60)


FILTERS: Mapping[str, Callable[..., Any]] = {
    "md_text": esc.md_text,
    "md_cell": esc.md_cell,
    "md_code": esc.md_code,
    "code_block": esc.code_block,
    "yaml_scalar": esc.yaml_scalar,
    "count": numbers.count,
    "signed_count": numbers.signed_count,
    "percent": numbers.signed_percent,
    "plural": numbers.plural,
    "usd": numbers.usd,
    "signed_usd": numbers.signed_usd,
    "at_least": numbers.at_least,
    "usd_at_least": numbers.usd_at_least,
    "unpriced": numbers.unpriced_text,
    "nowrap": numbers.nowrap,
    "over": numbers.over,
    "utilisation": numbers.utilisation,
    "seconds": numbers.seconds,
    "link": _link,
    "short_ref": _short_ref,
}


def _shipped_loader() -> jinja2.BaseLoader:
    shipped = jinja2.FileSystemLoader(templates_dir())
    return jinja2.ChoiceLoader([jinja2.PrefixLoader({SHIPPED_PREFIX: shipped}), shipped])


def make_environment(template_dir: Path | None = None) -> jinja2.Environment:
    """The shipped environment, or a sandboxed one that also searches `template_dir` first."""
    options: dict[str, Any] = {
        "undefined": jinja2.StrictUndefined,
        "finalize": _finalize,
        "autoescape": False,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    env: jinja2.Environment
    if template_dir is None:
        env = jinja2.Environment(loader=_shipped_loader(), **options)  # noqa: S701
    else:
        if not template_dir.is_dir():
            raise TemplateProblem(
                path=str(template_dir),
                line=None,
                problem="the templates directory does not exist",
                fix="point templates.directory at a directory of .j2 files, or remove it",
            )
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(template_dir), _shipped_loader()])
        env = ImmutableSandboxedEnvironment(loader=loader, **options)
    env.filters.update(FILTERS)
    return env


def _template_frame(tb: TracebackType | None) -> tuple[str, int] | None:
    """The innermost traceback frame that runs template code: Jinja names those frames after the
    template file and numbers them by template line."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(TEMPLATE_SUFFIX):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _fix_for(error: Exception) -> str:
    if isinstance(error, jinja2.TemplateSyntaxError):
        return "fix the Jinja syntax there, or delete the file to use the shipped template"
    if isinstance(error, SecurityError):
        return (
            "custom templates run in a sandbox: use only the values the shipped templates use "
            "(report, marker) and no attributes starting with an underscore"
        )
    if isinstance(error, jinja2.UndefinedError):
        return "use only names the shipped templates use, or give a fallback with | default(...)"
    if isinstance(error, jinja2.TemplateNotFound):
        return f"name a file of the templates directory, or a shipped one as {SHIPPED_PREFIX}/NAME"
    return "compare it with the shipped template of the same name"


def _problem(error: Exception, fallback: str) -> TemplateProblem:
    path, line = fallback, None
    if isinstance(error, jinja2.TemplateSyntaxError):
        path, line = error.filename or error.name or fallback, error.lineno
    elif (frame := _template_frame(error.__traceback__)) is not None:
        path, line = frame
    message = str(error) if isinstance(error, jinja2.TemplateError) else repr(error)
    if isinstance(error, jinja2.TemplateNotFound):
        message = f"no template named {error.name!r}"
    first_line = message.strip().splitlines()[0] if message.strip() else type(error).__name__
    problem = esc.shorten(esc.plain(first_line.rstrip(".")), 300)
    return TemplateProblem(path=path, line=line, problem=problem, fix=_fix_for(error))


def render_named(env: jinja2.Environment, name: str, context: Mapping[str, object]) -> str:
    """Render one template. A Jinja error, and in a user's sandbox any error, becomes a
    `TemplateProblem`; anything else raised by a shipped template is a bug of ours and keeps
    its traceback."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateError as error:
        raise _problem(error, name) from error
    except Exception as error:
        if not isinstance(env, ImmutableSandboxedEnvironment):
            raise
        raise _problem(error, name) from error


def template_path(env: jinja2.Environment, name: str) -> str:
    """Where the template `name` comes from: the user's file, or the shipped one."""
    return env.get_template(name).filename or name


def render_template(env: jinja2.Environment, context: Mapping[str, object]) -> str:
    """Render the main template; any template failure becomes a `TemplateProblem`.

    The output must contain the hidden marker: the sticky PR comment is found by it, so a custom
    template that drops it is refused rather than posting a second comment on every run.
    """
    text = render_named(env, MAIN_TEMPLATE, {**context, "marker": esc.trusted(MARKER)})
    if MARKER not in text:
        raise TemplateProblem(
            path=template_path(env, MAIN_TEMPLATE),
            line=None,
            problem="the report template does not output the hidden marker",
            fix=(
                "keep {{ marker }} in it (the sticky PR comment is found by it), or "
                f'{{% extends "{SHIPPED_PREFIX}/{MAIN_TEMPLATE}" %}} and override blocks only'
            ),
        )
    return text
