"""The two ways `make container-test` builds and runs the Action's image.

- `Docker`, on GitHub's runners: `docker build`, then `docker run` as the runner runs a container
  action (`--network host`, the workspace and file-command directories mounted).
- `Buildah`, where no Docker engine exists (this project's machines): the same Dockerfile built
  with `buildah bud --isolation chroot` over a stand-in for its base image (Debian's python3,
  python3-pip and git, made with mmdebstrap and tagged with the Dockerfile's `FROM` name), then
  the image's entrypoint run in a container of it with the same mounts and variables. The tools
  are installed with apt-get when missing, and the stand-in stays in buildah's image store (its
  recipe's digest is a label), so a second run rebuilds only what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

STAND_IN_PACKAGES = ("python3", "python3-pip", "git", "ca-certificates")
# What Debian's own slim images leave out: documentation, manual pages and translations.
SLIM_EXCLUDES = (
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
)
STAND_IN_LABEL = "org.plan-budget-gate.stand-in"


class ContainerTestError(Exception):
    """A step of the container test failed; the message says which and what to do."""


def run(
    command: Sequence[str], *, log: Path | None = None, env: Mapping[str, str] | None = None
) -> str:
    """Run a tool, return its stdout; on failure raise with the tail of what it printed."""
    result = subprocess.run(list(command), capture_output=True, text=True, check=False, env=env)
    output = result.stdout
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(result.stdout + result.stderr, "utf-8")
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        where = f" (full log: {log})" if log else ""
        raise ContainerTestError(f"`{' '.join(command[:3])} …` failed{where}:\n{tail}")
    return output


def base_image(dockerfile: Path) -> str:
    """The first `FROM` of the Dockerfile, as an image reference (`AS name` dropped)."""
    for line in dockerfile.read_text("utf-8").splitlines():
        match = re.match(r"\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", line, re.IGNORECASE)
        if match:
            return match.group(1)
    raise ContainerTestError(f"{dockerfile} has no FROM line")


def fully_qualified(image: str) -> str:
    """`python:3.12-slim` -> `docker.io/library/python:3.12-slim`, as Docker resolves it."""
    first, _, rest = image.partition("/")
    if not rest:
        return f"docker.io/library/{image}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{image}"
    return image


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


class Engine(Protocol):
    name: str

    def prepare(self) -> str:
        """Get the tools and the base image ready; say what the base is."""
        ...

    def build(self, image: str, secrets: Mapping[str, Path], log: Path) -> None: ...

    def size_over_base(self, image: str) -> int:
        """Bytes the image adds to its base (uncompressed)."""
        ...

    def run(self, image: str, mounts: Mapping[Path, str], env: Mapping[str, str]) -> Ran:
        """The image's entrypoint as the runner starts it: workdir /github/workspace, host
        network; `seconds` runs from container start to exit."""
        ...


@dataclass
class Docker:
    context: Path
    name: str = "docker"

    def prepare(self) -> str:
        """The base in the image store, pulled when missing (BuildKit's own pull would not be
        there for the size comparison)."""
        base = base_image(self.context / "Dockerfile")
        present = subprocess.run(["docker", "image", "inspect", base], capture_output=True)
        if present.returncode != 0:
            run(["docker", "pull", "--quiet", base])
        return base

    def build(self, image: str, secrets: Mapping[str, Path], log: Path) -> None:
        flags = [f"--secret=id={key},src={path}" for key, path in secrets.items()]
        # BuildKit (RUN --mount) also where it is not the default; the host's network, as the
        # buildah build and the runs use (a daemon without a default bridge has no other)
        command = ["docker", "build", "--network", "host", *flags, "--tag", image]
        env = {**os.environ, "DOCKER_BUILDKIT": "1"}
        run([*command, str(self.context)], log=log, env=env)

    def _size(self, image: str) -> int:
        return int(run(["docker", "image", "inspect", "--format", "{{.Size}}", image]).strip())

    def size_over_base(self, image: str) -> int:
        return self._size(image) - self._size(base_image(self.context / "Dockerfile"))

    def run(self, image: str, mounts: Mapping[Path, str], env: Mapping[str, str]) -> Ran:
        name = f"plan-budget-gate-test-{os.getpid()}"
        command = ["docker", "run", "--name", name, "--network", "host"]
        command += ["--workdir", "/github/workspace"]
        command += [arg for host, inside in mounts.items() for arg in ("-v", f"{host}:{inside}")]
        command += [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        try:
            return _timed([*command, image])  # created, started, run to its verdict
        finally:
            run(["docker", "rm", name])  # as the runner's --rm does, after the verdict


@dataclass
class Buildah:
    context: Path
    name: str = "buildah"

    def prepare(self) -> str:
        _install_missing_tools()
        base = base_image(self.context / "Dockerfile")
        return _ensure_stand_in(fully_qualified(base))

    def build(self, image: str, secrets: Mapping[str, Path], log: Path) -> None:
        flags = [f"--secret=id={key},src={path}" for key, path in secrets.items()]
        command = ["buildah", "bud", "--isolation", "chroot", "--pull=never", "--layers"]
        run([*command, *flags, "--tag", image, str(self.context)], log=log)

    def size_over_base(self, image: str) -> int:
        base = fully_qualified(base_image(self.context / "Dockerfile"))
        return _rootfs_bytes(image) - _rootfs_bytes(base)

    def run(self, image: str, mounts: Mapping[Path, str], env: Mapping[str, str]) -> Ran:
        config = json.loads(run(["buildah", "inspect", "--type", "image", image]))
        entrypoint = config["OCIv1"]["config"]["Entrypoint"]
        command = ["buildah", "run", "--isolation", "chroot", "--network", "host"]
        command += ["--workingdir", "/github/workspace"]
        command += [arg for host, inside in mounts.items() for arg in ("-v", f"{host}:{inside}")]
        command += [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]
        started = time.perf_counter()  # like `docker run`: the container is created, then run
        container = run(["buildah", "from", "--pull=never", "--quiet", image]).strip()
        try:
            result = _timed([*command, container, "--", *entrypoint])
            seconds = time.perf_counter() - started
        finally:
            run(["buildah", "rm", container])
        return Ran(result.returncode, result.stdout, result.stderr, seconds)


def _timed(command: list[str]) -> Ran:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return Ran(result.returncode, result.stdout, result.stderr, time.perf_counter() - started)


def _install_missing_tools() -> None:
    missing = [tool for tool in ("buildah", "mmdebstrap") if shutil.which(tool) is None]
    if not missing:
        return
    if os.geteuid() != 0:
        raise ContainerTestError(
            f"{' and '.join(missing)} missing: run as root (it installs them with apt-get) "
            "or install them yourself"
        )
    print(f"container-test: installing {' '.join(missing)} with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


def _host_release() -> str:
    fields = dict(
        line.split("=", 1)
        for line in Path("/etc/os-release").read_text("utf-8").splitlines()
        if "=" in line
    )
    if fields.get("ID") != "debian" or not fields.get("VERSION_CODENAME"):
        raise ContainerTestError(
            "the stand-in base is built with mmdebstrap from the host's Debian release; on "
            "another system run `make container-test ENGINE=docker` with a Docker engine"
        )
    return fields["VERSION_CODENAME"].strip('"')


def _ensure_stand_in(name: str) -> str:
    """A Debian root filesystem with python3, pip and git, tagged `name`; reused when its
    recipe has not changed."""
    release = _host_release()
    recipe = json.dumps([release, STAND_IN_PACKAGES, SLIM_EXCLUDES])
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    found = subprocess.run(
        [
            "buildah",
            "inspect",
            "--type",
            "image",
            "--format",
            f'{{{{index .OCIv1.Config.Labels "{STAND_IN_LABEL}"}}}}',
            name,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode == 0 and found.stdout.strip() == digest:
        return _describe(name, release, cached=True)
    print(f"container-test: building the stand-in for {name} (Debian {release}, mmdebstrap)")
    with tempfile.TemporaryDirectory(prefix="stand-in-", dir="/var/tmp") as scratch:
        rootfs = Path(scratch) / "rootfs.tar"
        command = ["mmdebstrap", "--quiet", "--variant=minbase"]
        command += [f"--include={','.join(STAND_IN_PACKAGES)}"]
        command += [f"--dpkgopt={option}" for option in SLIM_EXCLUDES]
        run([*command, release, str(rootfs)], log=Path(scratch) / "mmdebstrap.log")
        container = run(["buildah", "from", "scratch"]).strip()
        try:
            run(["buildah", "add", "--quiet", container, str(rootfs), "/"])
            run(
                [
                    "buildah",
                    "config",
                    "--label",
                    f"{STAND_IN_LABEL}={digest}",
                    "--env",
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "--cmd",
                    "python3",
                    container,
                ]
            )
            run(["buildah", "commit", "--quiet", "--rm", container, name])
        except ContainerTestError:
            run(["buildah", "rm", container])
            raise
    return _describe(name, release, cached=False)


def _describe(name: str, release: str, *, cached: bool) -> str:
    container = run(["buildah", "from", "--pull=never", "--quiet", name]).strip()
    try:
        version = run(
            [
                "buildah",
                "run",
                "--isolation",
                "chroot",
                container,
                "--",
                "python3",
                "-c",
                "import sys; print(*sys.version_info[:3], sep='.')",
            ]
        )
    finally:
        run(["buildah", "rm", container])
    how = "cached" if cached else "built"
    return f"{name} = stand-in ({how}): Debian {release}, Python {version.strip()}, git"


def _rootfs_bytes(image: str) -> int:
    """Bytes of the files in the image's root filesystem (hard links counted once)."""
    container = run(["buildah", "from", "--pull=never", "--quiet", image]).strip()
    try:
        root = run(["buildah", "mount", container]).strip()
        seen: set[tuple[int, int]] = set()
        total = 0
        for directory, _, files in os.walk(root):
            for name in files:
                info = os.lstat(os.path.join(directory, name))
                if (info.st_dev, info.st_ino) not in seen:
                    seen.add((info.st_dev, info.st_ino))
                    total += info.st_size
        run(["buildah", "umount", container])
    finally:
        run(["buildah", "rm", container])
    return total


if __name__ == "__main__":  # pragma: no cover - a module of container_check.py
    sys.exit("run tests/packaging/container_check.py")
