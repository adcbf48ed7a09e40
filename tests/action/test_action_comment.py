"""The sticky comment through `budget-gate action`: found again, updated, never duplicated, never
overwritten by an older run. GitHub faked at the HTTP layer; the requests are asserted in order."""

from __future__ import annotations

from actionkit import (
    CHECK,
    CREATE,
    FAIL_HEADLINE,
    LIST,
    PASS_HEADLINE,
    VIEWER,
    R,
    RunAction,
    Workspace,
    add_estimate,
    old_comment,
    pr_payload,
    stamp,
)
from fakegithub import BOT, FakeGitHub


def test_a_new_push_updates_the_comment_in_place(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    run_action(workspace.root, pr_payload(workspace))
    (comment_id,) = github.comments
    head = add_estimate(workspace)

    result = run_action(
        workspace.root, pr_payload(workspace, head=head, updated_at="2026-03-01T11:00:00Z")
    )

    assert result.exit_code == 0
    assert github.requests()[3:] == [
        LIST,
        VIEWER,
        f"PATCH {R}/issues/comments/{comment_id}",
        CHECK,
    ]
    assert list(github.comments) == [comment_id]
    body = github.comments[comment_id]["body"]
    assert body.startswith(PASS_HEADLINE)
    assert stamp(head, at="2026-03-01T11:00:00Z", digest=body[-21:-5]) in body
    assert [run["conclusion"] for run in github.check_runs.values()] == ["failure", "success"]
    assert result.outputs["comment-url"] == github.comments[comment_id]["html_url"]


def test_a_re_run_of_the_same_event_does_not_send_the_comment_again(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = pr_payload(workspace)
    run_action(workspace.root, payload)
    before = github.bodies()

    result = run_action(workspace.root, payload)

    assert github.requests()[3:] == [LIST, VIEWER, CHECK]
    assert github.bodies() == before
    assert "PR comment unchanged" in result.stdout


def test_a_comment_deleted_between_listing_and_editing_is_created_again(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    old = github.add_comment(2, old_comment(workspace.head))
    github.fail(
        "PATCH",
        rf"/issues/comments/{old}$",
        404,
        message="Not Found",
        then=lambda: github.comments.pop(old),
    )

    result = run_action(workspace.root, pr_payload(workspace))

    assert github.requests() == [LIST, VIEWER, f"PATCH {R}/issues/comments/{old}", CREATE, CHECK]
    (body,) = github.bodies()
    assert body.startswith(FAIL_HEADLINE)
    assert result.exit_code == 1


def test_duplicates_left_by_racing_runs_are_removed(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    first = github.add_comment(2, old_comment(workspace.head))
    second = github.add_comment(2, old_comment(workspace.head))
    human = github.add_comment(2, "LGTM", login="dana", user_type="User")

    result = run_action(workspace.root, pr_payload(workspace))

    assert github.requests() == [
        LIST,
        VIEWER,
        f"DELETE {R}/issues/comments/{second}",
        f"PATCH {R}/issues/comments/{first}",
        CHECK,
    ]
    assert list(github.comments) == [first, human]
    assert "(1 duplicates removed)" in result.stdout


def test_an_older_run_after_a_newer_one_changes_nothing(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    newer = old_comment("9" * 40, at="2026-03-02T09:00:00Z")
    comment_id = github.add_comment(2, newer)

    result = run_action(workspace.root, pr_payload(workspace, updated_at="2026-03-01T10:00:00Z"))

    assert github.requests() == [LIST, VIEWER, CHECK]  # the check is this run's own commit's
    assert github.bodies() == [newer]
    assert result.outputs["comment-url"] == github.comments[comment_id]["html_url"]
    assert "PR comment newer-exists" in result.stdout


def test_a_marker_pasted_by_someone_else_is_not_our_comment(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    forged = old_comment("9" * 40, at="2099-01-01T00:00:00Z")
    github.add_comment(2, forged, login="mallory", user_type="User")

    run_action(workspace.root, pr_payload(workspace))

    assert github.requests() == [LIST, VIEWER, CREATE, CHECK]
    assert github.bodies()[0] == forged
    assert github.bodies()[1].startswith(FAIL_HEADLINE)


def test_with_a_personal_token_the_comment_is_found_by_the_tokens_login(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    github.user_login = "release-bot"
    mine = github.add_comment(2, old_comment(workspace.head), login="release-bot", user_type="User")
    github.add_comment(2, old_comment(workspace.head), login="github-actions[bot]")

    run_action(workspace.root, pr_payload(workspace), token="ghp_" + "p" * 36)

    assert github.requests() == [LIST, VIEWER, f"PATCH {R}/issues/comments/{mine}", CHECK]


def test_recreate_mode_deletes_the_comment_and_posts_a_new_one(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    old = github.add_comment(2, old_comment(workspace.head))

    run_action(workspace.root, pr_payload(workspace), inputs={"comment-mode": "recreate"})

    assert github.requests() == [LIST, VIEWER, f"DELETE {R}/issues/comments/{old}", CREATE, CHECK]
    assert old not in github.comments


def test_comment_mode_off_reports_only_the_check(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    result = run_action(workspace.root, pr_payload(workspace), inputs={"comment-mode": "off"})

    assert github.requests() == [CHECK]
    assert result.outputs["comment-url"] == ""


def test_a_body_github_finds_too_long_is_shrunk_and_sent_again(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    github.fail(
        "POST",
        r"/issues/2/comments$",
        422,
        message="Validation Failed",
        errors=[{"resource": "IssueComment", "code": "custom", "field": "body",
                 "message": "body is too long (maximum is 65536 characters)"}],
    )  # fmt: skip

    result = run_action(workspace.root, pr_payload(workspace))

    assert github.requests() == [LIST, CREATE, CREATE, CHECK]
    first, second = (item.body["body"] for item in github.sent if str(item) == CREATE)
    assert second.startswith(FAIL_HEADLINE)
    assert first.startswith(FAIL_HEADLINE)
    assert len(second) <= 65_000 * 3 // 4
    assert result.exit_code == 1


def test_another_bots_comment_with_the_marker_and_a_future_stamp_is_left_alone(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    """Any bot can paste the marker and a stamp from the future: it must neither suppress our
    report (newer-exists) nor be edited or deleted; the log names it."""
    forged = old_comment("9" * 40, at="2099-01-01T00:00:00Z")
    other = github.add_comment(2, forged, login="renovate[bot]")

    for mode, outcome in (("update", "created"), ("recreate", "recreated")):
        result = run_action(workspace.root, pr_payload(workspace), inputs={"comment-mode": mode})
        assert f"PR comment {outcome}" in result.stdout
        assert github.comments[other]["body"] == forged
        assert (
            f"::warning::budget-gate: left alone the comment "
            f"{github.comments[other]['html_url']} by renovate[bot]: it carries this report's "
            "marker but was not written by this token (github-actions[bot])"
        ) in result.stdout

    ours = [item for item in github.comments.values() if item["user"]["login"] == BOT]
    assert len(ours) == 1  # the second run found the first run's comment, and recreated it
    assert github.requests() == [
        LIST, VIEWER, CREATE, CHECK,
        LIST, VIEWER, f"DELETE {R}/issues/comments/{other + 1}", CREATE, CHECK,
    ]  # fmt: skip
    assert not any(str(item).endswith(f"/issues/comments/{other}") for item in github.sent)


def test_a_github_app_token_finds_its_own_comment_by_its_bot_login(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    """An App's installation token writes as `<app>[bot]`: the workflow's github-actions[bot]
    comment with the marker is someone else's."""
    github.bot_login = "budget-gate-app[bot]"
    mine = github.add_comment(2, old_comment(workspace.head), login="budget-gate-app[bot]")
    other = github.add_comment(2, old_comment(workspace.head), login=BOT)

    run_action(workspace.root, pr_payload(workspace))

    assert github.requests() == [LIST, VIEWER, f"PATCH {R}/issues/comments/{mine}", CHECK]
    assert github.comments[other]["body"] == old_comment(workspace.head)
