"""The Action on a release: evidence assets, the notes section, the check, and their refusals.

The workspace history (throwaway git repository):

    c1  plan APP (S1 done, src/parser/**), S1's estimate: 10 requests, 40,000 + 10,000 tokens
    c2  claude: src/parser/p.py + report run-s1-a (6 requests, 30,000 + 6,000, PASS)
    --- v1.0.0 (annotated): the first release, passes
    c3  claude: src/parser/q.py, Agent-Run: run-s1-b with no report
    --- v1.1.0: fails (the run's report is missing)

v1.0.0 totals, by hand: 36,000 tokens against 40,000 + 10,000 = 50,000 (-14,000, -28.0 %);
6 requests against 10 (-4, -40.0 %). Every test asserts each request sent (method, path, body)
and their count.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import responses
from actionkit import RunAction, load_payload
from fakegithub import REPO, FakeGitHub
from fakerelease import FakeReleases

from budget_gate.release.notes import SECTION_END, SECTION_START
from gitrepo import GitRepoBuilder

CLAUDE = "Claude <noreply@anthropic.com>"
TAGGER = {"GIT_COMMITTER_NAME": "Rel Manager", "GIT_COMMITTER_EMAIL": "rel@example.com"}
PLAN = """\
plan_id: APP
title: App
status: in-progress
slices:
  - slice_id: S1
    status: done
    paths: ["src/parser/**"]
"""
ESTIMATE = """\
plan_id: APP
slice_id: S1
estimated_requests: 10
estimated_prompt_tokens: 40000
estimated_completion_tokens: 10000
estimation_method: MANUAL
estimation_owner: ana
estimation_timestamp: 2026-01-01T09:00:00Z
"""
USAGE = """\
run_id: run-s1-a
plan_id: APP
slice_id: S1
agent_id: claude-code
actual_requests: 6
actual_prompt_tokens: 30000
actual_completion_tokens: 6000
actual_total_tokens: 36000
duration_seconds: 60
status: PASS
report_timestamp: 2026-01-02T10:00:00Z
"""
YAML_NAME = "resource-variance-summary.yaml"
MD_NAME = "resource-variance-summary.md"
SUMMARY_PATH = f"docs/artifacts/{YAML_NAME}"
RELEASES = f"/repos/{REPO}/releases"
RELEASE_ID = 17372790  # the real payload's
UPLOAD = f"uploads:/repos/{REPO}/releases/{RELEASE_ID}/assets"
CHECK = f"POST /repos/{REPO}/check-runs"
DOWNLOAD = f"https://github.com/{REPO}/releases/download"
FIRST_PUBLISH = [
    f"GET {RELEASES}/{RELEASE_ID}",
    f"POST {UPLOAD}?name={YAML_NAME}",
    f"POST {UPLOAD}?name={MD_NAME}",
    f"PATCH {RELEASES}/{RELEASE_ID}",
    CHECK,
]
"""A first publish: read the release fresh, upload both assets, write the notes, the check."""
AUTHOR_TEXT = "## What's changed\r\n\r\n* Parser by @ana  <!-- keep -->\r\n"


@pytest.fixture
def releases(http: responses.RequestsMock) -> FakeReleases:
    return FakeReleases(http)


@pytest.fixture
def tagged(tmp_path: Path) -> tuple[GitRepoBuilder, dict[str, str]]:
    b = GitRepoBuilder.create(tmp_path / "workspace")
    b.write("plans/APP/plan.yaml", PLAN)
    b.write("plans/APP/estimation.yaml", ESTIMATE)
    b.commit("Plan and estimate")
    b.write("src/parser/p.py", "parse = 1\n")
    b.write("plans/APP/usage/run-s1-a.yaml", USAGE)
    shas = {
        "v1.0.0": b.commit(
            "Parser", author=CLAUDE, trailers=[("Plan-Slice", "APP/S1"), ("Agent-Run", "run-s1-a")]
        )
    }
    b.git("tag", "-a", "v1.0.0", "-m", "Release v1.0.0", env=TAGGER)
    b.write("src/parser/q.py", "more = 1\n")
    shas["v1.1.0"] = b.commit("Parser more", author=CLAUDE, trailers=[("Agent-Run", "run-s1-b")])
    b.tag("v1.1.0")
    return b, shas


def release_payload(tag: str, *, action: str = "published", body: str = "") -> dict[str, Any]:
    """The real `release.published` payload with the tag, the action and the notes patched."""
    payload = copy.deepcopy(load_payload("release.published.payload.json"))
    payload["action"] = action
    payload["release"]["tag_name"] = tag
    payload["release"]["body"] = body
    payload["release"]["prerelease"] = action == "prereleased"
    return payload


def tag_push_payload(tag: str, sha: str) -> dict[str, Any]:
    payload = copy.deepcopy(load_payload("push.payload.json"))
    payload.update(ref=f"refs/tags/{tag}", before="0" * 40, after=sha, created=True, deleted=False)
    return payload


def add_release(releases: FakeReleases, payload: dict[str, Any]) -> None:
    releases.add_release(payload["release"])


def section(body: str) -> str:
    start, end = body.index(SECTION_START), body.index(SECTION_END) + len(SECTION_END)
    return body[start:end]


def assert_uploads(releases: FakeReleases, workspace: Path, sent: list[Any]) -> None:
    """The two uploads carry the files as written in the workspace, byte for byte."""
    yaml_body = (workspace / SUMMARY_PATH).read_bytes()
    md_body = (workspace / SUMMARY_PATH).with_suffix(".md").read_bytes()
    assert [item.body for item in sent] == [yaml_body, md_body]
    assert yaml_body.startswith(b"# Resource variance summary")


# -- published: first run, then a re-run --------------------------------------------------------


def test_a_published_release_gets_its_assets_notes_and_check(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, shas = tagged
    payload = release_payload("v1.0.0", body=AUTHOR_TEXT)
    add_release(releases, payload)

    result = run_action(builder.root, payload, event="release", sha=shas["v1.0.0"])

    assert releases.requests() == FIRST_PUBLISH
    sent = releases.sent
    assert_uploads(releases, builder.root, [sent[1], sent[2]])
    patch = sent[3].body
    assert list(patch) == ["body"]  # nothing else of the release is touched
    body = patch["body"]
    assert body.startswith(AUTHOR_TEXT + "\r\n" + SECTION_START + "\r\n")  # CRLF kept
    assert body.endswith(SECTION_END + "\r\n")
    evidence = section(body)
    assert "✅ **Budget gate passed** for this release" in evidence
    assert "- Tokens: 36,000 spent against an estimate of 50,000 (-14,000, -28.0 %)" in evidence
    assert "- Requests: 6 against 10 (-4, -40.0 %)" in evidence
    yaml_label, md_label = (r"resource\-variance\-summary\." + ext for ext in ("yaml", "md"))
    assert (
        f"- Evidence: [{yaml_label}]({DOWNLOAD}/v1.0.0/{YAML_NAME}) · "
        f"[{md_label}]({DOWNLOAD}/v1.0.0/{MD_NAME}) · "
        f"[gate run](https://github.com/{REPO}/actions/runs/4242)"
    ) in evidence
    (check,) = releases.check_runs.values()
    assert (check["head_sha"], check["conclusion"]) == (shas["v1.0.0"], "success")
    assert result.exit_code == 0
    assert result.outputs["summary-path"] == SUMMARY_PATH
    assert result.outputs["report-path"] == SUMMARY_PATH.replace(".yaml", ".md")
    assert result.outputs["verdict"] == "pass"
    assert "APP/S1" in result.summary  # the variance summary follows the report
    assert not result.lines("::warning::")


def test_on_github_enterprise_server_assets_go_to_its_own_uploads_path(
    tagged: tuple[GitRepoBuilder, dict[str, str]],
    http: responses.RequestsMock,
    run_action: RunAction,
) -> None:
    server = "https://ghe.example.com"
    ghes = FakeReleases(
        http, api_url=f"{server}/api/v3", server_url=server, uploads_url=f"{server}/api/uploads"
    )
    builder, shas = tagged
    payload = release_payload("v1.0.0", body=AUTHOR_TEXT)
    add_release(ghes, payload)

    result = run_action(
        builder.root,
        payload,
        event="release",
        sha=shas["v1.0.0"],
        api_url=f"{server}/api/v3",
        server_url=server,
    )

    assert ghes.requests() == FIRST_PUBLISH
    urls = [call.request.url or "" for call in http.calls]
    uploads = [url for url in urls if "/assets?" in url]
    assert len(uploads) == 2
    assert all(
        url.split("/repos/")[0] in (f"{server}/api/uploads", f"{server}:443/api/uploads")
        for url in uploads
    )
    assert all(url.startswith((f"{server}/", f"{server}:443/")) for url in urls)
    assert_uploads(ghes, builder.root, ghes.sent[1:3])
    evidence = section(ghes.sent[3].body["body"])
    assert f"]({server}/{REPO}/releases/download/v1.0.0/{YAML_NAME})" in evidence
    assert "github.com" not in evidence.replace("ghe.example.com", "")
    assert result.exit_code == 0


def tag_with_own_evidence_template(builder: GitRepoBuilder, template: str) -> str:
    """v1.2.0: the config names a template directory holding this evidence template."""
    builder.write(".github/plan-budget-gate.yml", "templates:\n  directory: .github/gate\n")
    builder.write(".github/gate/release_evidence.md.j2", template)
    sha = builder.commit("Our own release evidence")
    builder.git("tag", "-a", "v1.2.0", "-m", "Release v1.2.0", env=TAGGER)
    return sha


def test_the_notes_section_comes_from_the_users_evidence_template(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, _ = tagged
    sha = tag_with_own_evidence_template(
        builder,
        "### Spend of {{ summary.head_ref }}\n\n"
        "{% for item in links %}- {{ item.label | link(item.url) }}\n{% endfor %}",
    )
    payload = release_payload("v1.2.0", body=AUTHOR_TEXT)
    add_release(releases, payload)

    result = run_action(builder.root, payload, event="release", sha=sha)

    assert releases.requests() == FIRST_PUBLISH
    evidence = section(releases.sent[3].body["body"])
    assert evidence.split("\r\n")[1:-1] == [
        r"### Spend of v1\.2\.0",  # escaped: a tag name is the user's text
        "",
        rf"- [resource\-variance\-summary\.yaml]({DOWNLOAD}/v1.2.0/{YAML_NAME})",
        rf"- [resource\-variance\-summary\.md]({DOWNLOAD}/v1.2.0/{MD_NAME})",
        "- [gate run](https://github.com/Codertocat/Hello-World/actions/runs/4242)",
    ]
    assert result.exit_code == 0


def test_an_evidence_template_that_writes_the_markers_is_refused_before_publishing(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, _ = tagged
    sha = tag_with_own_evidence_template(builder, f"{SECTION_END}\nmine\n")
    payload = release_payload("v1.2.0")
    add_release(releases, payload)

    result = run_action(builder.root, payload, event="release", sha=sha)

    assert releases.requests() == [CHECK]  # the failing check only: no asset, no notes
    (check,) = releases.check_runs.values()
    assert check["conclusion"] == "failure"
    (error,) = result.lines("::error")
    assert ".github/gate/release_evidence.md.j2: the release evidence template writes" in error
    assert result.exit_code == 2


def test_a_rerun_replaces_its_assets_and_section_and_keeps_everything_else(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, shas = tagged
    before = "Intro by the author.\n\n"
    after = "\n\n## Thanks\nto *everyone* <!-- plan-budget-gate:release-evidence:start --x -->\n"
    old = f"{SECTION_START}\n## Budget evidence\n\nold numbers\n{SECTION_END}"
    payload = release_payload("v1.0.0", body="stale payload body")  # a re-run's payload is old
    add_release(releases, payload)
    releases.releases[RELEASE_ID]["body"] = before + old + after
    old_yaml = releases.add_asset(RELEASE_ID, YAML_NAME)
    other = releases.add_asset(RELEASE_ID, "app-1.0.0.tar.gz")
    old_md = releases.add_asset(RELEASE_ID, MD_NAME)

    result = run_action(builder.root, payload, event="release", sha=shas["v1.0.0"])

    assert releases.requests() == [
        f"GET {RELEASES}/{RELEASE_ID}",
        f"DELETE {RELEASES}/assets/{old_yaml}",
        f"POST {UPLOAD}?name={YAML_NAME}",
        f"DELETE {RELEASES}/assets/{old_md}",
        f"POST {UPLOAD}?name={MD_NAME}",
        f"PATCH {RELEASES}/{RELEASE_ID}",
        CHECK,
    ]
    body = releases.sent[5].body["body"]
    evidence = section(body)
    assert body == before + evidence + after  # the author's text, byte for byte
    assert "old numbers" not in body and "✅ **Budget gate passed**" in evidence
    names = [item["name"] for item in releases.releases[RELEASE_ID]["assets"]]
    assert sorted(names) == sorted(["app-1.0.0.tar.gz", YAML_NAME, MD_NAME])
    assert other in [item["id"] for item in releases.releases[RELEASE_ID]["assets"]]
    assert result.exit_code == 0


def test_a_prerelease_is_gated_the_same_way(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, shas = tagged
    payload = release_payload("v1.0.0", action="prereleased")
    add_release(releases, payload)

    result = run_action(builder.root, payload, event="release", sha=shas["v1.0.0"])

    assert [item.method for item in releases.sent] == ["GET", "POST", "POST", "PATCH", "POST"]
    assert releases.releases[RELEASE_ID]["body"].startswith(SECTION_START + "\n## Budget evidence")
    assert result.exit_code == 0


def test_other_release_actions_are_skipped(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, _ = tagged
    result = run_action(builder.root, release_payload("v1.0.0", action="edited"), event="release")

    assert releases.requests() == []
    assert result.exit_code == 0
    assert result.lines("::notice::") == [
        "::notice::budget-gate: release edited needs no gate (it runs on published, "
        "prereleased); nothing to do"
    ]


# -- a tag push ---------------------------------------------------------------------------------


def test_a_tag_push_finds_its_release_by_tag(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, shas = tagged
    add_release(releases, release_payload("v1.0.0", body="Notes."))

    result = run_action(
        builder.root, tag_push_payload("v1.0.0", shas["v1.0.0"]), event="push", sha=shas["v1.0.0"]
    )

    assert releases.requests() == [
        f"GET {RELEASES}/tags/v1.0.0",
        f"POST {UPLOAD}?name={YAML_NAME}",
        f"POST {UPLOAD}?name={MD_NAME}",
        f"PATCH {RELEASES}/{RELEASE_ID}",
        CHECK,
    ]
    assert releases.sent[3].body["body"].startswith("Notes.\n\n" + SECTION_START + "\n")
    assert result.exit_code == 0


def test_a_tag_push_without_a_release_reports_the_check_and_a_notice(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, shas = tagged

    result = run_action(
        builder.root, tag_push_payload("v1.0.0", shas["v1.0.0"]), event="push", sha=shas["v1.0.0"]
    )

    assert releases.requests() == [f"GET {RELEASES}/tags/v1.0.0", CHECK]
    (notice,) = result.lines("::notice::")
    assert "the tag v1.0.0 has no published release" in notice
    assert (builder.root / SUMMARY_PATH).is_file()
    assert result.outputs["summary-path"] == SUMMARY_PATH
    assert "APP/S1" in result.summary
    assert result.exit_code == 0


# -- refusals and a failing gate ------------------------------------------------------------------


def test_a_forbidden_upload_warns_naming_the_permission_and_exits_by_verdict(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, shas = tagged
    payload = release_payload("v1.0.0", body=AUTHOR_TEXT)
    add_release(releases, payload)
    releases.fail("POST", r"/releases/\d+/assets$", 403, message="Resource not accessible")

    result = run_action(builder.root, payload, event="release", sha=shas["v1.0.0"])

    assert releases.requests() == [
        f"GET {RELEASES}/{RELEASE_ID}",
        f"POST {UPLOAD}?name={YAML_NAME}",
        CHECK,
    ]
    (warning,) = result.lines("::warning::")
    assert "`permissions: contents: write`" in warning
    assert "GitHub answered 403" in warning
    assert releases.releases[RELEASE_ID]["body"] == AUTHOR_TEXT
    assert result.outputs["summary-path"] == SUMMARY_PATH
    assert (builder.root / SUMMARY_PATH).is_file()
    assert "Budget" in result.summary and "APP/S1" in result.summary
    assert result.exit_code == 0


def test_a_failing_release_fails_the_job_says_so_and_deletes_nothing(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, shas = tagged
    payload = release_payload("v1.1.0", body="Second release.")
    add_release(releases, payload)
    kept = releases.add_asset(RELEASE_ID, "app-1.1.0.tar.gz")
    new_ids = [releases._next_id + 1, releases._next_id + 2]  # the two uploads

    result = run_action(builder.root, payload, event="release", sha=shas["v1.1.0"])

    assert releases.requests() == FIRST_PUBLISH
    assert not [item for item in releases.sent if item.method == "DELETE"]
    body = releases.releases[RELEASE_ID]["body"]
    assert body.startswith("Second release.\n\n" + SECTION_START)
    assert "❌ **Budget gate failed** for this release with 1 error" in body
    assert [item["id"] for item in releases.releases[RELEASE_ID]["assets"]] == [kept, *new_ids]
    (check,) = releases.check_runs.values()
    assert (check["head_sha"], check["conclusion"]) == (shas["v1.1.0"], "failure")
    assert result.outputs["verdict"] == "fail"
    assert result.exit_code == 1


def test_a_tag_missing_from_the_workspace_is_explained(
    tagged: tuple[GitRepoBuilder, dict[str, str]], github: FakeGitHub, run_action: RunAction
) -> None:
    builder, shas = tagged
    result = run_action(
        builder.root, release_payload("v9.9.9"), event="release", sha=shas["v1.0.0"]
    )

    assert github.requests() == [CHECK]  # a failing check says why, on GITHUB_SHA
    (check,) = github.check_runs.values()
    assert (check["head_sha"], check["conclusion"]) == (shas["v1.0.0"], "failure")
    assert result.exit_code == 2
    assert "the tag v9.9.9 is not in the workspace's clone" in result.stderr + result.stdout


def test_a_release_exports_its_metrics_when_asked_and_a_dead_collector_only_warns(
    tagged: tuple[GitRepoBuilder, dict[str, str]], releases: FakeReleases, run_action: RunAction
) -> None:
    builder, shas = tagged
    payload = release_payload("v1.0.0")
    add_release(releases, payload)

    result = run_action(
        builder.root,
        payload,
        event="release",
        sha=shas["v1.0.0"],
        inputs={"otel": "true"},
        env={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"},
    )

    # The evidence is published exactly as without telemetry, and the verdict decides the exit.
    assert releases.requests() == FIRST_PUBLISH
    assert result.exit_code == 0
    [warning] = result.lines("::warning::")
    assert "OpenTelemetry metrics may not have arrived" in warning
