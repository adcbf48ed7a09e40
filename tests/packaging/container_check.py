"""`make container-test`: the Action's image, built and run the way GitHub runs it, on the demo.

1. Build the Dockerfile: with Docker on GitHub's runners (`--engine docker`), with buildah over
   a stand-in base here (`--engine buildah`, see container_engines.py). The machine's pip index,
   trust store and timeouts reach the build as the secrets `pip.conf` and `pip-ca`, never as
   files in the repository.
2. Print how much the image adds to its base (at most 100 MB).
3. Run the entrypoint as the runner does: a pull request that adds `examples/demo` checked out
   at /github/workspace and owned by another user (uid 1001, the runner's), the event file at
   /github/workflow, the file commands (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, ...) under
   /github/file_commands, every input's default from action.yml as INPUT_*, the host network,
   and GitHub's API faked over real HTTP by fake_github_server.py. Assert the sticky comment,
   the check run, the outputs, the job summary, and that the token never appears in the log.
4. Time the same command outside the container (best of 3 each): at most 1.5x.

    .venv/bin/python tests/packaging/container_check.py --engine buildah
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from container_engines import Buildah, ContainerTestError, Docker, Engine, Ran

from gitrepo import GitRepoBuilder

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "localhost/plan-budget-gate:container-test"
SIZE_LIMIT = 100_000_000  # bytes the image may add to its base (100 MB)
RATIO_LIMIT = 1.5
RUNS = 3
RUNNER_UID = 1001  # the `runner` user of GitHub-hosted runners owns the checkout
REPOSITORY, PR_NUMBER = "Codertocat/Hello-World", 2
TOKEN = "ghs_" + "C0nta1ner" * 4  # the shape of a GITHUB_TOKEN; must never be printed
MARKER = "<!-- plan-budget-gate:report -->"
FAIL_HEADLINE = "## ❌ Plan Budget Gate: fail"
PIP_KEYS = ("index-url", "extra-index-url", "trusted-host", "timeout", "retries")
PIP_ALIASES = {"default-timeout": "timeout"}


@dataclass(frozen=True)
class Workspace:
    path: Path
    base: str
    head: str


@dataclass(frozen=True)
class RunResult:
    ran: Ran
    state: dict[str, Any]
    outputs: dict[str, str]
    summary: str


def pip_secrets(scratch: Path) -> dict[str, Path]:
    """The host pip's index, trust store and timeouts as a pip.conf for the build (local paths,
    such as find-links or file:// indexes, do not exist there and are left out)."""
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False
    ).stdout
    settings: dict[str, str] = {}
    for line in listing.splitlines():
        key, _, value = line.partition("=")
        name, value = key.rpartition(".")[2], value.strip().strip("'\"")
        name = PIP_ALIASES.get(name, name)
        if name in PIP_KEYS:
            urls = [part for part in value.split() if not part.startswith("file:")]
            if urls:
                settings[name] = " ".join(urls)
        elif name == "cert" and Path(value).is_file():
            settings["cert"] = value
    secrets: dict[str, Path] = {}
    if "cert" in settings:
        secrets["pip-ca"] = Path(settings.pop("cert"))
        settings["cert"] = "/etc/pip-ca.pem"
    if settings:
        conf = scratch / "pip.conf"
        conf.write_text("[global]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        secrets["pip.conf"] = conf
    names = ", ".join(sorted(settings)) or "none"  # the names only: values may name a mirror
    print(f"container-test: pip settings passed to the build: {names}")
    return secrets


def make_workspace(path: Path) -> Workspace:
    """A pull request that adds the demo repository's plans, records and config."""
    repo = GitRepoBuilder.create(path)
    repo.write("README.md", "# demo\n")
    base = repo.commit("Start")
    repo.branch("changes")
    shutil.copytree(ROOT / "examples" / "demo", path, dirs_exist_ok=True)
    head = repo.commit("Add the cost/latency budget plan and its records")
    return Workspace(path, base, head)


def event_payload(workspace: Workspace) -> dict[str, Any]:
    fixture = (
        ROOT / "tests" / "fixtures" / "github-events" / "pull_request.synchronize.payload.json"
    )
    payload: dict[str, Any] = json.loads(fixture.read_text("utf-8"))
    pull = payload["pull_request"]
    payload["number"] = pull["number"] = PR_NUMBER
    pull["head"]["sha"], pull["base"]["sha"] = workspace.head, workspace.base
    return payload


def action_inputs() -> dict[str, str]:
    """INPUT_* as the runner sets them: every input of action.yml with its default."""
    inputs = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))["inputs"]
    env = {}
    for name, spec in inputs.items():
        default = str(spec.get("default", ""))
        env[f"INPUT_{name.upper()}"] = TOKEN if default == "${{ github.token }}" else default
    return env


def runner_env(api: str, workspace: Workspace, root: str, home: str) -> dict[str, str]:
    """The variables a container action gets; paths under `root` (/github inside)."""
    files = f"{root}/file_commands"
    return {
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "HOME": home,
        "GITHUB_WORKSPACE": f"{root}/workspace",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": f"{root}/workflow/event.json",
        "GITHUB_OUTPUT": f"{files}/set_output_1",
        "GITHUB_STEP_SUMMARY": f"{files}/step_summary_1",
        "GITHUB_ENV": f"{files}/set_env_1",
        "GITHUB_PATH": f"{files}/add_path_1",
        "GITHUB_STATE": f"{files}/save_state_1",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_REPOSITORY_OWNER": REPOSITORY.split("/")[0],
        "GITHUB_SHA": workspace.head,
        "GITHUB_REF": f"refs/pull/{PR_NUMBER}/merge",
        "GITHUB_HEAD_REF": "changes",
        "GITHUB_BASE_REF": "master",
        "GITHUB_SERVER_URL": api,
        "GITHUB_API_URL": api,
        "GITHUB_GRAPHQL_URL": f"{api}/graphql",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_NUMBER": "7",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_ACTOR": "Codertocat",
        "GITHUB_WORKFLOW": "Plan Budget Gate",
        "GITHUB_JOB": "plan-budget-gate",
        "GITHUB_ACTION": "gate",
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
        "RUNNER_TEMP": "/home/runner/work/_temp",
        **action_inputs(),
    }


@contextmanager
def fake_github(scratch: Path) -> Iterator[tuple[str, Path]]:
    """fake_github_server.py in its own process: (base URL, state file)."""
    state, port_file = scratch / "github-state.json", scratch / "github-url"
    server = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("fake_github_server.py")),
            "--state",
            str(state),
            "--port-file",
            str(port_file),
            "--repository",
            REPOSITORY,
            "--lifetime",
            "300",
        ]
    )
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise ContainerTestError("the fake GitHub server did not start")
            time.sleep(0.05)
        yield port_file.read_text("utf-8").strip(), state
    finally:
        server.terminate()
        server.wait(timeout=10)


def runner_dirs(scratch: Path, workspace: Workspace, *, owner: int | None) -> Path:
    """/github as the runner lays it out: workspace (a clone), workflow/event.json, file commands
    and home; `owner` (a uid) owns the workspace, as the runner user owns the checkout."""
    top = scratch / "github"
    subprocess.run(
        ["git", "clone", "-q", "--no-hardlinks", str(workspace.path), str(top / "workspace")],
        check=True,
    )
    subprocess.run(
        ["git", "-C", str(top / "workspace"), "checkout", "-q", workspace.head], check=True
    )
    (top / "workflow").mkdir()
    (top / "workflow" / "event.json").write_text(json.dumps(event_payload(workspace)), "utf-8")
    (top / "file_commands").mkdir()
    for name in ("set_output_1", "step_summary_1", "set_env_1", "add_path_1", "save_state_1"):
        (top / "file_commands" / name).touch()
    (top / "home").mkdir()
    if owner is not None and os.geteuid() == 0:  # a runner's user already differs from root
        subprocess.run(["chown", "-R", f"{owner}:{owner}", str(top / "workspace")], check=True)
    return top


def parse_outputs(text: str) -> dict[str, str]:
    """`name<<DELIMITER` blocks, as the runner reads GITHUB_OUTPUT."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        name, marker, delimiter = line.partition("<<")
        if not marker:
            raise ContainerTestError(
                f"GITHUB_OUTPUT has a line that is not a multi-line output: {line!r}"
            )
        outputs[name] = "\n".join(iter(lines.__next__, delimiter))
    return outputs


def run_once(engine: Engine | None, scratch: Path, workspace: Workspace) -> RunResult:
    """One run against a fresh fake GitHub: in the container (`engine`) or outside (None)."""
    inside = engine is not None
    top = runner_dirs(scratch, workspace, owner=RUNNER_UID if inside else None)
    with fake_github(scratch) as (api, state):
        if engine is not None:
            env = runner_env(api, workspace, "/github", "/github/home")
            mounts = {
                top / name: f"/github/{name}"
                for name in ("workspace", "workflow", "file_commands", "home")
            }
            ran = engine.run(IMAGE, mounts, env)
        else:
            env = runner_env(api, workspace, str(top), str(top / "home"))
            env["PATH"] = f"{Path(sys.executable).parent}:/usr/bin:/bin"
            started = time.perf_counter()
            done = subprocess.run(
                ["budget-gate", "action"],
                cwd=top / "workspace",
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            ran = Ran(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)
        github_state = json.loads(state.read_text("utf-8"))
    files = top / "file_commands"
    return RunResult(
        ran=ran,
        state=github_state,
        outputs=parse_outputs((files / "set_output_1").read_text("utf-8")),
        summary=(files / "step_summary_1").read_text("utf-8"),
    )


def check(result: RunResult, workspace: Workspace, where: str) -> None:
    """What a user of the Action relies on, on the demo (built to fail the gate)."""
    ran, state, outputs = result.ran, result.state, result.outputs
    log = f"\n--- stdout ---\n{ran.stdout[-3000:]}\n--- stderr ---\n{ran.stderr[-3000:]}"
    masked = [line for line in ran.stdout.splitlines() if line == f"::add-mask::{TOKEN}"]
    if not masked or TOKEN in (ran.stdout + ran.stderr).replace(masked[0], ""):
        raise ContainerTestError(f"{where}: the token is printed, or not masked first{log}")
    if ran.returncode != 1:
        raise ContainerTestError(
            f"{where}: exit status {ran.returncode}, expected 1 (verdict fail){log}"
        )
    comments = [c for c in state["comments"] if c["number"] == PR_NUMBER]
    if len(comments) != 1 or MARKER not in comments[0]["body"]:
        raise ContainerTestError(
            f"{where}: expected one sticky comment, GitHub has {comments!r:.500}{log}"
        )
    if not comments[0]["body"].startswith(FAIL_HEADLINE):
        raise ContainerTestError(f"{where}: the comment starts {comments[0]['body'][:80]!r}")
    (run,) = state["check_runs"] or [None]
    if run is None or (run["name"], run["head_sha"], run["status"], run["conclusion"]) != (
        "Plan Budget Gate",
        workspace.head,
        "completed",
        "failure",
    ):
        raise ContainerTestError(f"{where}: check run {run!r:.600}")
    if not run["annotations"]:
        raise ContainerTestError(f"{where}: the check run has no annotations")
    if outputs.get("verdict") != "fail" or outputs.get("comment-url") != comments[0]["html_url"]:
        raise ContainerTestError(f"{where}: outputs {outputs}")
    uncovered = json.loads(outputs.get("uncovered-slices", "null"))
    if not isinstance(uncovered, list) or not uncovered or int(outputs["findings"]) < 1:
        raise ContainerTestError(f"{where}: outputs {outputs}")
    if not result.summary.startswith(FAIL_HEADLINE):
        raise ContainerTestError(f"{where}: the job summary starts {result.summary[:80]!r}")
    if len(state["requests"]) > 6:
        raise ContainerTestError(
            f"{where}: {len(state['requests'])} API requests: {state['requests']}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("buildah", "docker"), default="buildah")
    args = parser.parse_args()
    engine: Engine = Buildah(ROOT) if args.engine == "buildah" else Docker(ROOT)
    build_dir = ROOT / "build" / "container-test"
    build_dir.mkdir(parents=True, exist_ok=True)
    try:
        print(f"container-test: base {engine.prepare()}", flush=True)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="pip-") as secrets_dir:
            engine.build(IMAGE, pip_secrets(Path(secrets_dir)), build_dir / "build.log")
        print(
            f"container-test: built {IMAGE} with {engine.name} in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        added = engine.size_over_base(IMAGE)
        print(f"container-test: image size over base: {added / 1e6:.1f} MB (limit 100 MB)")
        timings: dict[str, list[float]] = {"inside": [], "outside": []}
        # the container writes as root: a runner's user may not delete all of it afterwards
        with tempfile.TemporaryDirectory(
            prefix="container-test-", dir="/var/tmp", ignore_cleanup_errors=True
        ) as scratch:
            workspace = make_workspace(Path(scratch) / "pr")
            for attempt in range(RUNS):
                for where, runner in (("inside", engine), ("outside", None)):
                    directory = Path(scratch) / f"{where}-{attempt}"
                    directory.mkdir()
                    result = run_once(runner, directory, workspace)
                    check(result, workspace, f"{where} the container")
                    timings[where].append(result.ran.seconds)
            last = result
        inside, outside = min(timings["inside"]), min(timings["outside"])
        print(
            f"container-test: comment, check run, outputs and summary as expected inside and "
            f"outside (exit 1, verdict fail, {last.outputs['findings']} findings, "
            f"{len(last.state['requests'])} API requests)"
        )
        print(
            f"container-test: demo, container start to verdict: {inside:.2f} s; outside: "
            f"{outside:.2f} s; ratio {inside / outside:.2f} (limit {RATIO_LIMIT}, best of "
            f"{RUNS})"
        )
        problems = []
        if added > SIZE_LIMIT:
            problems.append(f"the image adds {added / 1e6:.1f} MB to its base (limit 100 MB)")
        if inside > RATIO_LIMIT * outside:
            problems.append(f"the run in the container takes {inside / outside:.2f}x (limit 1.5x)")
        if problems:
            raise ContainerTestError("; ".join(problems))
    except ContainerTestError as error:
        print(f"container-test: FAILED: {error}", file=sys.stderr)
        return 1
    print("container-test: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
