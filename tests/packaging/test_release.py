"""The release as shipped: one version everywhere, and workflows that publish it safely.

The release workflow cannot run here (it publishes), so its steps are checked against the
promises of the issue and of the actions' documentation: trusted publishing without a
password, the image for two platforms with its tags, labels and attestations, least privilege
per job, every action pinned by commit SHA. `scripts/release.py` is run as the workflow runs it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

import budget_gate

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"@([0-9a-f]{40}) # v\d+\.\d+\.\d+$")


def workflow(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def uses(job: dict[str, Any], action: str) -> dict[str, Any]:
    (step,) = [step for step in steps(job) if step.get("uses", "").startswith(f"{action}@")]
    return step


def release_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "release.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def package_version() -> str:
    version: str = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    return version


def test_action_yml_runs_the_prebuilt_image_of_the_package_version() -> None:
    image = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))["runs"]["image"]

    match = re.fullmatch(r"docker://ghcr\.io/[a-z0-9-]+/plan-budget-gate:(\S+)", image)
    assert match, image
    assert match.group(1) == package_version() == budget_gate.__version__


def test_the_current_version_can_be_released() -> None:
    result = release_script("check", f"v{package_version()}", "--owner", "plan-budget-gate")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"release: v{package_version()} is the version everywhere\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The files a release reads, copied to edit."""
    for name in ("pyproject.toml", "action.yml", "CHANGELOG.md", "src/budget_gate/__init__.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_a_tag_that_differs_from_the_files_is_refused_naming_each_place(tree: Path) -> None:
    result = release_script("--root", str(tree), "check", "v9.8.7", "--owner", "Octo-Org")

    assert result.returncode == 1
    version = package_version()
    assert result.stderr.splitlines() == [
        f"release: pyproject.toml [project] version is {version}, the tag says 9.8.7: "
        f"bump it, or tag v{version}",
        f"release: src/budget_gate/__init__.py __version__ is {version}, the tag says 9.8.7: "
        f"bump it, or tag v{version}",
        f"release: action.yml runs.image tag is {version}, the tag says 9.8.7: "
        f"bump it, or tag v{version}",
        "release: action.yml runs ghcr.io/plan-budget-gate/plan-budget-gate, but this "
        "repository's packages are ghcr.io/octo-org/: change the image's owner in action.yml",
        "release: CHANGELOG.md has no section `## [9.8.7] - YYYY-MM-DD`",
    ]


def test_a_bumped_release_passes_and_its_notes_are_its_changelog_section(tree: Path) -> None:
    old = package_version()
    for name in ("pyproject.toml", "action.yml", "src/budget_gate/__init__.py"):
        path = tree / name
        path.write_text(path.read_text("utf-8").replace(old, "1.4.0"), "utf-8")
    changelog = tree / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text("utf-8").replace(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n## [1.4.0] - 2027-01-15\n\n### Fixed\n\n- Faster.\n",
        ),
        "utf-8",
    )

    assert release_script("--root", str(tree), "check", "v1.4.0").returncode == 0
    notes = release_script("--root", str(tree), "notes", "1.4.0")
    assert notes.stdout == "### Fixed\n\n- Faster.\n"
    assert release_script("--root", str(tree), "notes", "1.5.0").returncode == 1


def test_a_tag_that_is_not_a_version_is_refused() -> None:
    result = release_script("check", "v1.2")

    assert (result.returncode, result.stderr) == (1, "release: tag 'v1.2' is not vX.Y.Z\n")


# -- the workflows --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["release.yml", "ci.yml"])
def test_every_action_is_pinned_by_commit_with_its_version(name: str) -> None:
    text = (WORKFLOWS / name).read_text("utf-8")
    lines = [line.strip() for line in text.splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert lines
    for line in lines:
        reference = line.split("uses:", 1)[1].split("#")[0].strip()
        assert PINNED.fullmatch(reference), line
        assert VERSION_COMMENT.search(line), f"{line}: say the version after the SHA"


def test_one_action_is_pinned_to_one_commit_across_the_workflows() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS.glob("*.yml"):
        for action, sha in re.findall(r"uses: ([\w./-]+)@([0-9a-f]{40})", path.read_text()):
            pins.setdefault(action, set()).add(sha)
    assert pins and all(len(shas) == 1 for shas in pins.values()), pins


@pytest.mark.parametrize("name", ["release.yml", "ci.yml"])
def test_permissions_are_granted_per_job_and_nothing_reaches_a_shell_unquoted(name: str) -> None:
    data = workflow(name)

    assert data["permissions"] == {}
    for job_name, job in data["jobs"].items():
        assert "permissions" in job, f"{job_name} must say what it needs"
        for step in steps(job):
            assert "${{" not in step.get("run", ""), f"{job_name}: pass values through env:"
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_the_release_runs_on_version_tags_after_the_same_checks_as_ci() -> None:
    data = workflow("release.yml")
    jobs = data["jobs"]

    assert data["on"] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}
    verify = [step.get("run", "") for step in steps(jobs["verify"])]
    assert any('scripts/release.py check "$TAG" --owner "$OWNER"' in run for run in verify)
    assert "bash .ci/run" in verify
    assert jobs["verify"]["permissions"] == {"contents": "read"}


def test_sdist_and_wheel_are_built_once_and_published_by_trusted_publishing() -> None:
    jobs = workflow("release.yml")["jobs"]

    assert [step.get("run") for step in steps(jobs["dist"]) if "run" in step] == ["make dist"]
    assert uses(jobs["dist"], "actions/upload-artifact")["with"]["path"] == "dist/"
    assert uses(jobs["dist"], "actions/attest-build-provenance")["with"] == {
        "subject-path": "dist/*"
    }
    pypi = jobs["pypi"]
    assert pypi["permissions"] == {"id-token": "write"}
    assert pypi["environment"] == "pypi"
    assert set(pypi["needs"]) == {"dist", "image"}
    publish = uses(pypi, "pypa/gh-action-pypi-publish")
    assert not {"password", "user"} & set(publish.get("with", {}))
    assert uses(pypi, "actions/download-artifact")["with"] == {"name": "dist", "path": "dist/"}


def test_the_image_is_pushed_for_two_platforms_with_its_tags_labels_and_attestations() -> None:
    image = workflow("release.yml")["jobs"]["image"]

    assert image["permissions"] == {
        "contents": "read",
        "packages": "write",
        "id-token": "write",
        "attestations": "write",
    }
    meta = uses(image, "docker/metadata-action")["with"]
    assert meta["images"] == "${{ needs.verify.outputs.image }}"
    assert meta["tags"].split() == [
        "type=semver,pattern={{version}}",
        "type=semver,pattern={{major}}.{{minor}}",
        "type=semver,pattern={{major}}",
    ]
    push = uses(image, "docker/build-push-action")["with"]
    assert push["platforms"] == "linux/amd64,linux/arm64"
    assert push["push"] is True
    assert push["labels"] == "${{ steps.meta.outputs.labels }}"  # source, version, revision
    assert (push["provenance"], push["sbom"]) == ("mode=max", True)
    attest = uses(image, "actions/attest-build-provenance")["with"]
    assert attest["subject-digest"] == "${{ steps.push.outputs.digest }}"
    assert attest["push-to-registry"] is True
    assert uses(image, "docker/login-action")["with"]["registry"] == "ghcr.io"
    assert {"docker/setup-qemu-action", "docker/setup-buildx-action"} <= {
        step.get("uses", "").split("@")[0] for step in steps(image)
    }


def test_the_github_release_gets_the_changelog_notes_and_moves_the_major_tag() -> None:
    release = workflow("release.yml")["jobs"]["release"]

    assert release["permissions"] == {"contents": "write"}
    assert set(release["needs"]) == {"verify", "pypi"}
    runs = "\n".join(step.get("run", "") for step in steps(release))
    assert 'scripts/release.py notes "$VERSION" > "$RUNNER_TEMP/notes.md"' in runs
    assert 'gh release create "$TAG" --verify-tag' in runs
    assert '--notes-file "$RUNNER_TEMP/notes.md" dist/*' in runs
    assert 'major="${TAG%%.*}"' in runs and "git/refs/tags/$major" in runs


def test_ci_builds_the_image_with_docker_and_runs_it_once() -> None:
    jobs = workflow("ci.yml")["jobs"]

    runs = [step.get("run") for step in steps(jobs["container"]) if "run" in step]
    assert runs == ["make container-test ENGINE=docker"]
    assert jobs["container"]["permissions"] == {"contents": "read"}
    test_steps = steps(jobs["test"])
    assert [step["env"] for step in test_steps if step.get("run") == "bash .ci/run"] == [
        {"CI": "true", "CONTAINER_TEST": "skip"}
    ]


def test_dependabot_updates_the_pins_the_base_image_and_the_actions() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text("utf-8"))

    ecosystems = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(ecosystems) == {"pip", "docker", "github-actions"}
    assert all(update["directory"] == "/" for update in ecosystems.values())


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda path: path.name)
def test_every_workflow_is_valid_yaml_with_jobs(path: Path) -> None:
    assert workflow(path.name)["jobs"]
