"""The Dockerfile as published: reproducible inputs, two stages, nothing but the gate shipped.

`make container-test` builds and runs it for real; these tests read it, so a change that breaks
a promise (a base named by a moving tag, an unhashed install, a build tool left in the final
stage, a file missing from the build context) fails in `make test` at once.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]


def stages() -> list[list[tuple[str, str]]]:
    """Per stage, (INSTRUCTION, arguments) with continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text("utf-8"))
    found: list[list[tuple[str, str]]] = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            if keyword.upper() == "FROM":
                found.append([])
            found[-1].append((keyword.upper(), " ".join(rest.split())))
    return found


def project() -> dict[str, object]:
    data: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return data


def test_both_stages_start_from_one_exact_python_version_dependabot_can_bump() -> None:
    build, final = stages()
    assert build[0][1].endswith(" AS build")
    base = build[0][1].removesuffix(" AS build")
    assert final[0] == ("FROM", base)
    match = re.fullmatch(r"python:(\d+\.\d+)\.\d+-slim-[a-z]+", base)
    assert match, f"{base}: name the exact version (python:X.Y.Z-slim-<debian release>)"
    requires = project()["project"]["requires-python"]  # type: ignore[index]
    assert SpecifierSet(requires).contains(f"{match.group(1)}.0")


def test_the_build_stage_installs_the_hash_locked_dependencies_then_the_wheel() -> None:
    build, _ = stages()
    runs = [args for keyword, args in build if keyword == "RUN"]
    install = next(args for args in runs if "runtime.txt" in args)
    assert "install --only-binary :all: --require-hashes --no-deps --requirement " in install
    assert install.endswith(" requirements/runtime.txt")
    wheel = next(args for args in runs if "pip wheel" in args)
    assert "install --no-deps --no-index /tmp/dist/*.whl" in wheel
    assert wheel.endswith("-m pip --python /opt/plan-budget-gate/bin/python check")
    # the pip settings a machine needs (mirror, CA) come as build secrets, never as files
    for args in (install, wheel):
        assert "--mount=type=secret,id=pip.conf,target=/etc/pip.conf" in args
        assert "--mount=type=secret,id=pip-ca,target=/etc/pip-ca.pem" in args


def test_the_build_stage_copies_what_the_wheel_needs() -> None:
    build, _ = stages()
    copied = {
        source for keyword, args in build if keyword == "COPY" for source in args.split()[:-1]
    }
    data = project()
    wheel = data["tool"]["hatch"]["build"]["targets"]["wheel"]  # type: ignore[index]
    needed = {f"{path}/" for path in wheel["force-include"]} | {data["project"]["readme"]}  # type: ignore[index]
    needed |= {package.split("/")[0] + "/" for package in wheel["packages"]}
    assert copied == needed | {"pyproject.toml", "requirements/runtime.txt"}
    assert all((ROOT / source).exists() for source in copied)


def test_the_final_stage_holds_the_environment_and_git_only() -> None:
    _, final = stages()
    keywords = [keyword for keyword, _ in final]
    assert keywords == ["FROM", "COPY", "COPY", "ENV", "RUN", "ENTRYPOINT"]
    copies = [args for keyword, args in final if keyword == "COPY"]
    assert copies == [
        "--from=build /usr/bin/git /usr/bin/git",
        "--from=build /opt/plan-budget-gate /opt/plan-budget-gate",
    ]
    (run,) = [args for keyword, args in final if keyword == "RUN"]
    assert "apt-get" not in run and "pip" not in run  # no package manager work, no caches
    assert "git config --system --add safe.directory /github/workspace" in run
    (entrypoint,) = [args for keyword, args in final if keyword == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["budget-gate", "action"]


def test_no_instruction_fetches_at_run_time_or_hides_what_it_adds() -> None:
    keywords = {keyword for stage in stages() for keyword, _ in stage}
    assert not keywords & {"ADD", "CMD", "USER", "VOLUME", "ONBUILD"}


def test_the_build_context_is_only_what_the_dockerfile_copies() -> None:
    lines = [
        line
        for line in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "*"
    included = {line[1:] for line in lines if line.startswith("!")}
    copied = {
        source
        for stage in stages()
        for keyword, args in stage
        if keyword == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    }
    assert {source.rstrip("/") for source in copied} == {item.rstrip("/") for item in included}
