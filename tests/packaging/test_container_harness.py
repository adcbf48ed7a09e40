"""The container test's own parts, checked in `make test` without building an image.

`make container-test` trusts three things: the fake GitHub answers over real HTTP as the
in-process fake does, the run outside the container (its time reference) really does the
Action's work, and its checks reject a run that breaks a promise. Each is tested here.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from container_check import (
    PR_NUMBER,
    REPOSITORY,
    TOKEN,
    ContainerTestError,
    RunResult,
    Workspace,
    check,
    fake_github,
    make_workspace,
    parse_outputs,
    pip_secrets,
    run_once,
)
from container_engines import base_image, fully_qualified

REPO = f"/repos/{REPOSITORY}"


def test_the_fake_github_server_answers_over_http_and_records_the_requests(
    tmp_path: Path,
) -> None:
    with fake_github(tmp_path) as (url, state):
        created = requests.post(f"{url}{REPO}/issues/2/comments", json={"body": "hi"}, timeout=5)
        listed = requests.get(f"{url}{REPO}/issues/2/comments?per_page=100", timeout=5)
        too_many = requests.post(
            f"{url}{REPO}/check-runs",
            json={"name": "x", "head_sha": "a" * 40, "output": {"annotations": [{}] * 51}},
            timeout=5,
        )
        unknown = requests.get(f"{url}/repos/other/repo/pulls/1", timeout=5)
        recorded = json.loads(state.read_text("utf-8"))

    assert created.status_code == 201
    assert created.json()["html_url"] == f"{url}/{REPOSITORY}/pull/2#issuecomment-1001"
    assert [comment["body"] for comment in listed.json()] == ["hi"]
    assert (too_many.status_code, too_many.json()["message"]) == (
        422,
        "Only 50 annotations may be sent at a time",
    )
    assert unknown.status_code == 404
    assert recorded["requests"] == [
        f"POST {REPO}/issues/2/comments",
        f"GET {REPO}/issues/2/comments?per_page=100",
        f"POST {REPO}/check-runs",
        "GET /repos/other/repo/pulls/1",
    ]
    assert [(c["number"], c["body"]) for c in recorded["comments"]] == [(2, "hi")]
    assert recorded["check_runs"] == []


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Workspace]:
    """The Action on the demo pull request, outside any container, as the timing reference."""
    scratch = tmp_path_factory.mktemp("outside")
    workspace = make_workspace(scratch / "pr")
    (scratch / "run").mkdir()
    return run_once(None, scratch / "run", workspace), workspace


@pytest.mark.e2e
def test_the_reference_run_posts_the_demo_report_as_the_image_must(
    outside: tuple[RunResult, Workspace],
) -> None:
    result, workspace = outside

    check(result, workspace, "outside")

    assert result.state["requests"] == [
        f"GET {REPO}/issues/{PR_NUMBER}/comments?per_page=100",
        f"POST {REPO}/issues/{PR_NUMBER}/comments",
        f"POST {REPO}/check-runs",
    ]
    audit = subprocess.run(
        [
            str(Path(sys.executable).parent / "budget-gate"),
            "check",
            "--repo",
            str(workspace.path),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(audit.stdout)["findings"]
    missing = {"missing-estimate", "missing-usage-report"}
    uncovered = sorted(
        {f"{f['plan_id']}/{f['slice_id']}" for f in findings if f["code"] in missing}
    )
    assert (result.outputs["verdict"], result.outputs["findings"]) == ("fail", str(len(findings)))
    assert json.loads(result.outputs["uncovered-slices"]) == uncovered != []


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda r: dataclasses.replace(r.ran, stdout=r.ran.stdout + TOKEN), "token is printed"),
        (lambda r: dataclasses.replace(r.ran, returncode=0), "exit status 0, expected 1"),
    ],
)
def test_the_checks_reject_a_run_that_leaks_the_token_or_passes_the_demo(
    outside: tuple[RunResult, Workspace], breakage: object, message: str
) -> None:
    result, workspace = outside
    broken = dataclasses.replace(result, ran=breakage(result))  # type: ignore[operator]

    with pytest.raises(ContainerTestError, match=message):
        check(broken, workspace, "outside")


@pytest.mark.e2e
def test_the_checks_reject_a_missing_check_run_or_a_second_comment(
    outside: tuple[RunResult, Workspace],
) -> None:
    result, workspace = outside
    no_check = dataclasses.replace(result, state={**result.state, "check_runs": []})
    comments = result.state["comments"]
    two_comments = dataclasses.replace(result, state={**result.state, "comments": comments * 2})

    with pytest.raises(ContainerTestError, match="check run None"):
        check(no_check, workspace, "outside")
    with pytest.raises(ContainerTestError, match="expected one sticky comment"):
        check(two_comments, workspace, "outside")


def test_outputs_are_read_as_the_runner_reads_them() -> None:
    text = "verdict<<ghadelim_1\nfail\nghadelim_1\nfindings<<ghadelim_2\n3\nghadelim_2\n"

    assert parse_outputs(text) == {"verdict": "fail", "findings": "3"}
    with pytest.raises(ContainerTestError, match="not a multi-line output"):
        parse_outputs("verdict=fail\n")


def test_the_stand_in_is_tagged_with_the_dockerfile_base_as_docker_resolves_it() -> None:
    root = Path(__file__).resolve().parents[2]

    assert fully_qualified(base_image(root / "Dockerfile")).startswith("docker.io/library/python:")
    assert fully_qualified("ghcr.io/o/i:1") == "ghcr.io/o/i:1"
    assert fully_qualified("o/i:1") == "docker.io/o/i:1"


def test_only_pip_settings_that_exist_inside_the_build_are_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", "utf-8")
    config = tmp_path / "pip.ini"
    config.write_text(
        "[global]\nindex-url = https://mirror.invalid/simple\n"
        "extra-index-url = file:///srv/simple https://extra.invalid/simple\n"
        f"find-links = /srv/wheels\ncert = {ca}\ntimeout = 60\n",
        "utf-8",
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    for name in ("PIP_CERT", "PIP_FIND_LINKS", "PIP_DEFAULT_TIMEOUT", "PIP_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "secrets").mkdir()

    secrets = pip_secrets(tmp_path / "secrets")

    assert secrets["pip-ca"] == ca
    conf = secrets["pip.conf"].read_text("utf-8")
    assert "index-url = https://mirror.invalid/simple\n" in conf
    assert "extra-index-url = https://extra.invalid/simple\n" in conf
    assert "cert = /etc/pip-ca.pem\n" in conf and "timeout = 60\n" in conf
    assert "file:" not in conf and "find-links" not in conf
