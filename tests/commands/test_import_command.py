"""`budget-gate import` as a user runs it: a new process, a repository on disk, exit codes.

What the file holds is tested per format in test_import_<format>.py; here: where it goes, that
`check` reads it, that nothing is ever overwritten or half-written, and the one-line errors.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent_output import FIXTURES
from budget_gate.writing import FileExistsProblem, write_new_file
from e2e_support import Cli

PLAN = """\
---
plan_id: SHOP-7
title: Spend ledger
status: in-progress
slices:
  - slice_id: S1
    title: Ledger store
    paths: ["src/ledger/**"]
  - slice_id: S2
    title: Migrations
---
# SHOP-7
"""
STREAM = FIXTURES / "claude-code-stream.jsonl"
STREAM_RUN = "claude-code-b3e1f9a2-5c7d-4e8f-a1b2-c3d4e5f60718"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "plans" / "shop-7").mkdir(parents=True)
    (root / "plans" / "shop-7" / "plan.md").write_text(PLAN, encoding="utf-8")
    return root


def usage_files(root: Path) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix() for path in root.rglob("*") if "usage" in path.parts
    )


def test_a_report_is_written_beside_its_plan_and_check_reads_it(cli: Cli, shop: Path) -> None:
    result = cli(
        "import", "claude-code", STREAM, "--plan", "SHOP-7", "--slice", "S1", "--repo", shop
    )

    assert (result.returncode, result.stderr) == (0, "")
    written = f"plans/shop-7/usage/{STREAM_RUN}.yaml"
    assert result.stdout.splitlines()[0] == (
        f"wrote {written}: run {STREAM_RUN} of SHOP-7/S1 (PASS, 48.213 s)"
    )
    assert "  requests: 3" in result.stdout.splitlines()
    assert usage_files(shop) == ["plans/shop-7/usage", written]
    text = (shop / written).read_text(encoding="utf-8")
    assert text.startswith("# Imported by `budget-gate import claude-code` from ")
    assert "\nagent_id: claude-code\n" in text
    assert "\nreport_timestamp: 20" in text  # a plain timestamp, not a quoted string

    check = cli("check", "--repo", shop, "--format", "json")
    assert check.stderr == ""
    report = check.json()
    s1 = next(item for item in report["slices"] if item["slice_id"] == "S1")
    assert s1["actual"] == {"tokens": 59_596, "requests": 3}
    # Claude Code's own total_cost_usd (0.11900505) to a millionth of a dollar; the price data
    # gives the same for its three requests
    assert (s1["cost"]["actual_usd"], s1["cost"]["computed_usd"]) == (0.119005, 0.119005)
    assert report["price_data"] == "genai-prices 0.2.3"
    assert [item for item in report["findings"] if item["path"] == written] == []


def test_the_same_run_is_never_imported_twice(cli: Cli, shop: Path) -> None:
    args = ("import", "claude-code", STREAM, "--plan", "SHOP-7", "--slice", "S1", "--repo", shop)
    assert cli(*args).returncode == 0
    written = shop / f"plans/shop-7/usage/{STREAM_RUN}.yaml"
    before = written.read_bytes()

    again = cli(*args)
    assert again.returncode == 2
    assert again.stderr == (
        f"budget-gate: error: run_id {STREAM_RUN} is already reported in "
        f"plans/shop-7/usage/{STREAM_RUN}.yaml:4; nothing was written. Each run is reported "
        "once: pass --run-id if this is another run\n"
    )
    assert written.read_bytes() == before


def test_a_run_id_reported_in_another_file_is_refused(cli: Cli, shop: Path) -> None:
    shared = shop / "docs" / "artifacts" / "developer-agent-usage-report.yaml"
    shared.parent.mkdir(parents=True)
    shared.write_text(
        "reports:\n"
        "  - run_id: r-77\n    plan_id: SHOP-7\n    slice_id: S2\n    agent_id: codex\n"
        "    actual_requests: 1\n    actual_prompt_tokens: 1\n    actual_completion_tokens: 1\n"
        "    actual_total_tokens: 2\n    duration_seconds: 1\n    status: PASS\n"
        "    report_timestamp: 2026-11-20T12:00:00Z\n",
        encoding="utf-8",
    )
    result = cli(
        "import", "claude-code", STREAM, "--plan", "SHOP-7", "--slice", "S1",
        "--run-id", "r-77", "--repo", shop,
    )  # fmt: skip
    assert result.returncode == 2
    assert (
        "run_id r-77 is already reported in docs/artifacts/developer-agent-usage-report.yaml:2"
        in (result.stderr)
    )
    assert usage_files(shop) == []


def test_a_truncated_file_is_one_line_naming_its_line_and_writes_nothing(
    cli: Cli, shop: Path
) -> None:
    truncated = FIXTURES / "codex-exec-truncated.jsonl"
    result = cli(
        "import", "codex", truncated, "--plan", "SHOP-7", "--slice", "S1",
        "--model", "gpt-5-codex", "--duration", "1312", "--repo", shop,
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"budget-gate: error: {truncated}:13: the file ends in the ")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert usage_files(shop) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("codex", FIXTURES / "codex-exec.jsonl"),
            "codex-exec.jsonl does not say how long the run took; pass --duration SECONDS",
        ),
        (
            ("openai", FIXTURES / "openai-responses.jsonl", "--duration", "5"),
            "openai-responses.jsonl does not say how the run ended; pass --status PASS, FAIL or",
        ),
    ],
)
def test_what_the_output_does_not_say_is_asked_for_never_invented(
    cli: Cli, shop: Path, args: tuple[str | Path, ...], message: str
) -> None:
    result = cli("import", *args, "--plan", "SHOP-7", "--slice", "S1", "--repo", shop)
    assert result.returncode == 2
    assert message in result.stderr
    assert usage_files(shop) == []


@pytest.mark.parametrize(
    ("plan", "slice_", "message"),
    [
        ("SHOP-8", "S1", "no plan has plan_id SHOP-8; did you mean SHOP-7?"),
        (
            "SHOP-7",
            "S3",
            "plan SHOP-7 (plans/shop-7/plan.md) has no slice S3; its slices are S1, S2",
        ),
        ("SHOP 7", "S1", "--plan 'SHOP 7' is not a valid ID"),
    ],
)
def test_an_unknown_plan_or_slice_is_refused(
    cli: Cli, shop: Path, plan: str, slice_: str, message: str
) -> None:
    result = cli("import", "claude-code", STREAM, "--plan", plan, "--slice", slice_, "--repo", shop)
    assert result.returncode == 2
    assert message in result.stderr


def test_output_dash_prints_the_report_and_writes_nothing(cli: Cli, shop: Path) -> None:
    result = cli(
        "import", "openai", FIXTURES / "openai-chat-completion.json", "--plan", "SHOP-7",
        "--slice", "S2", "--status", "BLOCKED", "--duration", "12.5", "--output", "-",
        "--agent-id", "copilot-swe-agent", "--repo", shop,
    )  # fmt: skip
    assert result.returncode == 0
    assert "\nagent_id: copilot-swe-agent\n" in result.stdout
    assert "\nstatus: BLOCKED\n" in result.stdout
    assert "\nduration_seconds: 12.5\n" in result.stdout
    assert "\nactual_cost_usd: 0.01075\ncost_source: computed\n" in result.stdout
    assert usage_files(shop) == []


def test_stdin_and_an_unknown_model(tmp_path: Path, shop: Path) -> None:
    """`agent ... | budget-gate import openai -`: the cost is n/a, said once, never a failure."""
    data = (FIXTURES / "openai-unknown-model.json").read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "budget_gate", "import", "openai", "-", "--plan", "SHOP-7",
         "--slice", "S1", "--status", "PASS", "--duration", "3", "--repo", str(shop)],
        input=data, capture_output=True, cwd=tmp_path, check=False,
        env={**os.environ, "BUDGET_GATE_DEBUG": ""},
    )  # fmt: skip
    stdout = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert "  cost: n/a (see the notes)" in stdout.splitlines()
    assert (
        "note: genai-prices 0.2.3 has no price for model acme-coder-7b-ft, so no cost "
        "is computed for it."
    ) in stdout.splitlines()

    check = subprocess.run(
        [sys.executable, "-m", "budget_gate", "check", "--repo", str(shop), "--format", "json"],
        capture_output=True, cwd=tmp_path, check=False, text=True,
    )  # fmt: skip
    report = json.loads(check.stdout)
    notices = [item for item in report["findings"] if item["code"] == "unpriced-model"]
    assert [item["severity"] for item in notices] == ["notice"]
    assert "no price for model acme-coder-7b-ft," in notices[0]["message"]
    s1 = next(item for item in report["slices"] if item["slice_id"] == "S1")
    assert s1["cost"]["actual_usd"] is None


def test_output_must_be_where_the_gate_looks(cli: Cli, shop: Path) -> None:
    result = cli(
        "import", "claude-code", STREAM, "--plan", "SHOP-7", "--slice", "S1",
        "--output", shop / "notes" / "run.yaml", "--repo", shop,
    )  # fmt: skip
    assert result.returncode == 2
    assert "notes/run.yaml is not matched by the config's usage report paths" in result.stderr


def test_a_new_file_is_written_whole_and_never_over_another(tmp_path: Path) -> None:
    target = tmp_path / "usage" / "r-1.yaml"
    write_new_file(target, "run_id: r-1\n")
    assert target.read_text(encoding="utf-8") == "run_id: r-1\n"
    with pytest.raises(
        FileExistsProblem, match=r"r-1\.yaml already exists; it was not overwritten"
    ):
        write_new_file(target, "run_id: other\n")
    assert target.read_text(encoding="utf-8") == "run_id: r-1\n"
    assert sorted(path.name for path in target.parent.iterdir()) == ["r-1.yaml"]  # no temp left


def test_a_config_with_one_shared_report_file_asks_for_an_output(cli: Cli, shop: Path) -> None:
    config = shop / ".github" / "plan-budget-gate.yml"
    config.parent.mkdir()
    config.write_text(
        'paths:\n  usage_reports: ["docs/artifacts/developer-agent-usage-report.yaml"]\n',
        encoding="utf-8",
    )
    result = cli(
        "import", "claude-code", STREAM, "--plan", "SHOP-7", "--slice", "S1", "--repo", shop
    )
    assert result.returncode == 2
    assert "import writes one file per run: pass --output with a path they match" in result.stderr


def test_auto_reads_the_format_the_file_shows(cli: Cli, shop: Path) -> None:
    result = cli("import", "auto", STREAM, "--plan", "SHOP-7", "--slice", "S1", "--repo", shop)

    assert (result.returncode, result.stderr) == (0, "")
    # named after the format it found, as `import claude-code` names it
    assert usage_files(shop) == ["plans/shop-7/usage", f"plans/shop-7/usage/{STREAM_RUN}.yaml"]


def test_another_tools_output_is_refused_and_nothing_written(cli: Cli, shop: Path) -> None:
    messages = FIXTURES / "anthropic-messages.jsonl"
    result = cli(
        "import", "openai", messages, "--plan", "SHOP-7", "--slice", "S1",
        "--status", "PASS", "--duration", "5", "--repo", shop,
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr == (
        f"budget-gate: error: {messages}:1: this is Anthropic Messages API output "
        "(`type: message`), not OpenAI API output; nothing was written. Import it with: "
        f"budget-gate import anthropic {messages}\n"
    )
    assert usage_files(shop) == []


def test_two_sessions_are_refused_or_split_into_one_report_each(
    cli: Cli, shop: Path, tmp_path: Path
) -> None:
    both = tmp_path / "two-sessions.jsonl"
    partial = FIXTURES / "claude-code-stream-partial-usage.jsonl"
    both.write_bytes(STREAM.read_bytes() + partial.read_bytes())
    args = ("import", "claude-code", both, "--plan", "SHOP-7", "--slice", "S1", "--repo", shop)

    refused = cli(*args)
    assert refused.returncode == 2
    assert f"{both} holds 2 sessions (" in refused.stderr
    assert "Import one with --session ID, or each as its own report with --split" in refused.stderr
    assert usage_files(shop) == []
    assert cli(*args, "--split", "--run-id", "r-1").returncode == 2  # one id cannot name two

    split = cli(*args, "--split")
    assert (split.returncode, split.stderr.count("warning:")) == (0, 1)
    assert usage_files(shop) == [
        "plans/shop-7/usage",
        "plans/shop-7/usage/claude-code-7d3c1f0a-92b4-4e61-8f2d-5a6b7c8d9e01.yaml",
        f"plans/shop-7/usage/{STREAM_RUN}.yaml",
    ]
    # the unread web searches are named on stderr and in the written file
    assert "webSearchRequests (2)" in split.stderr
    written = shop / "plans/shop-7/usage/claude-code-7d3c1f0a-92b4-4e61-8f2d-5a6b7c8d9e01.yaml"
    assert "\nextra_usage:\n  webSearchRequests: 2.0\n" in written.read_text(encoding="utf-8")
    check = cli("check", "--repo", shop, "--format", "json").json()
    s1 = next(item for item in check["slices"] if item["slice_id"] == "S1")
    assert s1["actual"] == {"tokens": 59_596 + 79_199, "requests": 3 + 5}
    assert [item for item in check["findings"] if "usage" in (item["path"] or "")] == []
