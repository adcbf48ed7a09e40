"""The release calls: read a release, replace its evidence assets, rewrite its notes.

Sent through PyGithub's requester (retries, timeouts, GHES base URL) with exactly the bodies we
mean: `PATCH` carries only `body`, so nothing else of the release is touched. Assets go to the
host in the release's own `upload_url` template (`uploads.github.com`, or `/api/uploads` on
GHES), never a hard-coded one. Failures leave as `GitHubError`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from github import Github

from budget_gate.github.client import GitHubError, ProblemKind, translated


@dataclass(frozen=True, slots=True)
class Asset:
    id: int
    name: str
    url: str
    """Where people download it (`browser_download_url`)."""


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    id: int
    tag: str
    body: str
    upload_url: str
    """GitHub's URI template, e.g. `https://uploads.github.com/…/assets{?name,label}`."""
    html_url: str
    assets: tuple[Asset, ...]


@dataclass(frozen=True, slots=True)
class AssetFile:
    name: str
    data: bytes
    content_type: str


class ReleaseApi(Protocol):
    def get_release(self, release_id: int) -> ReleaseInfo: ...

    def release_by_tag(self, tag: str) -> ReleaseInfo | None: ...

    def delete_asset(self, asset_id: int) -> None: ...

    def upload_asset(self, release: ReleaseInfo, asset: AssetFile) -> Asset: ...

    def edit_body(self, release_id: int, body: str) -> None: ...


def _asset(data: Any) -> Asset:
    return Asset(id=int(data["id"]), name=str(data["name"]), url=str(data["browser_download_url"]))


def _release(data: Any, action: str) -> ReleaseInfo:
    try:
        return ReleaseInfo(
            id=int(data["id"]),
            tag=str(data["tag_name"]),
            body=str(data.get("body") or ""),
            upload_url=str(data["upload_url"]),
            html_url=str(data.get("html_url") or ""),
            assets=tuple(_asset(item) for item in data.get("assets") or ()),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise GitHubError(
            kind=ProblemKind.REJECTED,
            action=action,
            status=200,
            detail=f"the answer is not a release (no {error})",
        ) from None


def upload_target(upload_url: str) -> str:
    """The upload URL without its `{?name,label}` template part."""
    return upload_url.split("{", 1)[0]


class ReleaseClient:
    """The release calls on one repository (`Github` from `client.connect`)."""

    def __init__(self, gh: Github, repository: str, *, secret: str = "") -> None:
        self._requester = gh.requester
        self._repository = repository
        self._secret = secret

    def _path(self, rest: str) -> str:
        return f"/repos/{self._repository}/releases{rest}"

    def get_release(self, release_id: int) -> ReleaseInfo:
        action = f"reading release {release_id}"
        with translated(action, secret=self._secret):
            _, data = self._requester.requestJsonAndCheck("GET", self._path(f"/{release_id}"))
        return _release(data, action)

    def release_by_tag(self, tag: str) -> ReleaseInfo | None:
        """The published release of `tag`; None when there is none (404)."""
        action = f"reading the release of tag {tag}"
        try:
            with translated(action, secret=self._secret):
                _, data = self._requester.requestJsonAndCheck(
                    "GET", self._path(f"/tags/{quote(tag, safe='')}")
                )
        except GitHubError as error:
            if error.kind is ProblemKind.NOT_FOUND:
                return None
            raise
        return _release(data, action)

    def delete_asset(self, asset_id: int) -> None:
        with translated(f"deleting the earlier asset {asset_id}", secret=self._secret):
            self._requester.requestJsonAndCheck("DELETE", self._path(f"/assets/{asset_id}"))

    def upload_asset(self, release: ReleaseInfo, asset: AssetFile) -> Asset:
        action = f"uploading {asset.name} to release {release.tag}"
        target = upload_target(release.upload_url)
        with translated(action, secret=self._secret):
            try:
                _, data = self._requester.requestMemoryBlobAndCheck(
                    "POST",
                    target,
                    parameters={"name": asset.name},
                    headers={
                        "Content-Type": asset.content_type,
                        "Content-Length": str(len(asset.data)),
                    },
                    file_like=io.BytesIO(asset.data),
                )
            except AssertionError:  # PyGithub refuses a host outside this GitHub's domains
                raise GitHubError(
                    kind=ProblemKind.REJECTED,
                    action=action,
                    status=None,
                    detail=f"the release's upload_url {target} is not on this GitHub's host",
                ) from None
        return _asset(data)

    def edit_body(self, release_id: int, body: str) -> None:
        with translated(f"updating the notes of release {release_id}", secret=self._secret):
            self._requester.requestJsonAndCheck(
                "PATCH", self._path(f"/{release_id}"), input={"body": body}
            )


def replace_assets(
    api: ReleaseApi, release: ReleaseInfo, files: Sequence[AssetFile]
) -> tuple[Asset, ...]:
    """Upload `files`, first deleting the release's earlier assets of the same names (a re-run);
    every other asset stays. GitHub refuses a second asset of the same name, hence the delete."""
    uploaded: list[Asset] = []
    for item in files:
        for earlier in release.assets:
            if earlier.name == item.name:
                api.delete_asset(earlier.id)
        uploaded.append(api.upload_asset(release, item))
    return tuple(uploaded)
