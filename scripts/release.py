"""What the release workflow asks of the repository before it publishes a tag, and its notes.

A release is one version everywhere: the tag `vX.Y.Z`, pyproject's version, the package's
`__version__`, the image `action.yml` runs (`docker://ghcr.io/OWNER/plan-budget-gate:X.Y.Z`,
which the workflow pushes) and a `## [X.Y.Z] - DATE` section in CHANGELOG.md (Keep a Changelog),
which becomes the GitHub release's notes.

    python scripts/release.py check v0.2.0 --owner octo-org   # exit 1 with what differs
    python scripts/release.py notes 0.2.0                      # that version's CHANGELOG section
    python scripts/release.py image                            # ghcr.io/OWNER/plan-budget-gate
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAG = re.compile(r"v(\d+\.\d+\.\d+)")
IMAGE = re.compile(r"docker://(ghcr\.io/[a-z0-9._-]+/plan-budget-gate):(\S+)")


def action_image(root: Path) -> tuple[str, str]:
    """(repository, tag) of the image action.yml runs."""
    import yaml  # only here: `notes` runs where PyYAML may be missing

    image = str(yaml.safe_load((root / "action.yml").read_text("utf-8"))["runs"]["image"])
    match = IMAGE.fullmatch(image)
    if not match:
        raise SystemExit(f"action.yml: runs.image {image!r} is not docker://ghcr.io/OWNER/...")
    return match.group(1), match.group(2)


def versions(root: Path) -> dict[str, str]:
    """Where the version is written, and what each place says."""
    init = (root / "src" / "budget_gate" / "__init__.py").read_text("utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', init, re.MULTILINE)
    return {
        "pyproject.toml [project] version": tomllib.loads(
            (root / "pyproject.toml").read_text("utf-8")
        )["project"]["version"],
        "src/budget_gate/__init__.py __version__": found.group(1) if found else "(none)",
        "action.yml runs.image tag": action_image(root)[1],
    }


def changelog_section(root: Path, version: str) -> str | None:
    """The body of `## [version] - YYYY-MM-DD` in CHANGELOG.md, without its heading."""
    text = (root / "CHANGELOG.md").read_text("utf-8")
    heading = re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}\n", text, re.M)
    if not heading:
        return None
    following = re.search(r"^## \[", text[heading.end() :], re.MULTILINE)
    end = heading.end() + following.start() if following else len(text)
    body = re.sub(r"^\[[^\]]+\]: \S+\n?", "", text[heading.end() : end], flags=re.MULTILINE)
    return body.strip() + "\n"


def problems(root: Path, tag: str, owner: str | None) -> list[str]:
    match = TAG.fullmatch(tag)
    if not match:
        return [f"tag {tag!r} is not vX.Y.Z"]
    version = match.group(1)
    found = [
        f"{where} is {value}, the tag says {version}: bump it, or tag v{value}"
        for where, value in versions(root).items()
        if value != version
    ]
    repository = action_image(root)[0]
    if owner is not None and repository != f"ghcr.io/{owner.lower()}/plan-budget-gate":
        found.append(
            f"action.yml runs {repository}, but this repository's packages are "
            f"ghcr.io/{owner.lower()}/: change the image's owner in action.yml"
        )
    if changelog_section(root, version) is None:
        found.append(f"CHANGELOG.md has no section `## [{version}] - YYYY-MM-DD`")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="the tag names the version everywhere")
    check.add_argument("tag")
    check.add_argument("--owner", help="the repository's owner (GITHUB_REPOSITORY_OWNER)")
    commands.add_parser("notes", help="a version's CHANGELOG section").add_argument("version")
    commands.add_parser("image", help="the image repository action.yml runs")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "image":
        print(action_image(args.root)[0])
        return 0
    if args.command == "notes":
        notes = changelog_section(args.root, args.version)
        if notes is None:
            print(f"CHANGELOG.md has no section for {args.version}", file=sys.stderr)
            return 1
        sys.stdout.write(notes)
        return 0
    found = problems(args.root, args.tag, args.owner)
    for line in found:
        print(f"release: {line}", file=sys.stderr)
    if not found:
        print(f"release: {args.tag} is the version everywhere")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
