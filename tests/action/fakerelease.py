"""`FakeGitHub` plus releases: read by id or tag, assets on the uploads host, notes edits.

Answers like GitHub: a release read by tag that does not exist is 404; an upload whose name is
already taken is 422 `already_exists` (so a re-run must delete its earlier asset first); uploads
go to the host of the release's `upload_url`. `sent` lists uploads as `POST uploads:/…` with the
raw bytes as body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from fakegithub import FakeGitHub, Sent
from requests import PreparedRequest

UPLOADS = "https://uploads.github.com"


@dataclass
class FakeReleases(FakeGitHub):
    uploads_url: str = UPLOADS
    releases: dict[int, dict[str, Any]] = field(default_factory=dict)
    _uploaded: dict[int, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.uploads_url = self.uploads_url.rstrip("/")
        uploads = urlsplit(self.uploads_url)
        self._uploads_prefix = uploads.path  # GitHub Enterprise Server: `/api/uploads`
        host = re.escape(f"{uploads.scheme}://{uploads.hostname}")
        pattern = re.compile(f"^{host}(:[0-9]+)?{re.escape(self._uploads_prefix)}/")
        self.rsps.add_callback("POST", pattern, callback=self._upload)

    def add_release(self, release: dict[str, Any]) -> None:
        release = json.loads(json.dumps(release))
        release["upload_url"] = (
            f"{self.uploads_url}/repos/{self.repository}/releases/{release['id']}/assets"
            "{?name,label}"
        )
        self.releases[release["id"]] = release

    def add_asset(self, release_id: int, name: str) -> int:
        release = self.releases[release_id]
        asset = self._asset(release, name, b"earlier", "application/octet-stream")
        release["assets"].append(asset)
        return int(asset["id"])

    @property
    def sent(self) -> list[Sent]:
        found: list[Sent] = []
        for call in self.rsps.calls:
            request = call.request
            url = urlsplit(request.url or "")
            if self._is_upload(request.method, url):
                path = f"uploads:{url.path.removeprefix(self._uploads_prefix)}?{url.query}"
                found.append(Sent("POST", path, self._uploaded.get(id(request))))
                continue
            if url.hostname != urlsplit(self.api_url).hostname:
                continue  # not GitHub: e.g. an OpenTelemetry collector
            path = url.path.removeprefix(self._prefix) + (f"?{url.query}" if url.query else "")
            body = request.body
            if isinstance(body, bytes):
                body = body.decode("utf-8")
            found.append(Sent(request.method or "", path, json.loads(body) if body else None))
        return found

    def _asset(
        self, release: dict[str, Any], name: str, data: bytes, content_type: str
    ) -> dict[str, Any]:
        asset_id = self._new_id()
        return {
            "url": f"{self.api_url}/repos/{self.repository}/releases/assets/{asset_id}",
            "id": asset_id,
            "name": name,
            "label": "",
            "content_type": content_type,
            "state": "uploaded",
            "size": len(data),
            "browser_download_url": (
                f"{self.server_url}/{self.repository}/releases/download/{release['tag_name']}/{name}"
            ),
            "_data": data,
        }

    def _public_release(self, release: dict[str, Any]) -> dict[str, Any]:
        shown = dict(release)
        shown["assets"] = [self._public(item) for item in release["assets"]]
        return shown

    def _dispatch(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        path = urlsplit(request.url or "").path.removeprefix(self._prefix)
        method = request.method or "GET"
        repo = f"/repos/{self.repository}/releases"
        failing = (
            item.times > 0 and item.method == method and item.path.search(path)
            for item in self._failures
        )
        if any(failing):
            return super()._dispatch(request)
        if method == "GET" and (found := re.match(rf"^{repo}/tags/(.+)$", path)):
            tag = unquote(found.group(1))
            for release in self.releases.values():
                if release["tag_name"] == tag:
                    return 200, {}, json.dumps(self._public_release(release))
            return 404, {}, json.dumps({"message": "Not Found"})
        if found := re.match(rf"^{repo}/(\d+)$", path):
            release = self.releases.get(int(found.group(1)))
            if release is None:
                return 404, {}, json.dumps({"message": "Not Found"})
            if method == "PATCH":
                release.update(json.loads(request.body or "{}"))
            if method in ("GET", "PATCH"):
                return 200, {}, json.dumps(self._public_release(release))
        if method == "DELETE" and (found := re.match(rf"^{repo}/assets/(\d+)$", path)):
            for release in self.releases.values():
                kept = [item for item in release["assets"] if item["id"] != int(found.group(1))]
                if len(kept) < len(release["assets"]):
                    release["assets"] = kept
                    return 204, {}, ""
            return 404, {}, json.dumps({"message": "Not Found"})
        return super()._dispatch(request)

    def _is_upload(self, method: str | None, url: SplitResult) -> bool:
        uploads = urlsplit(self.uploads_url)
        return (
            method == "POST"
            and (url.scheme, url.hostname) == (uploads.scheme, uploads.hostname)
            and url.path.startswith(f"{self._uploads_prefix}/")
        )

    def _upload(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        url = urlsplit(request.url or "")
        url = url._replace(path=url.path.removeprefix(self._uploads_prefix))
        body = request.body
        data = body.read() if hasattr(body, "read") else body
        data = data.encode() if isinstance(data, str) else data or b""
        self._uploaded[id(request)] = data
        for failure in self._failures:
            if failure.times > 0 and failure.method == "POST" and failure.path.search(url.path):
                failure.times -= 1
                return failure.status, failure.headers, json.dumps(failure.body)
        found = re.match(rf"^/repos/{self.repository}/releases/(\d+)/assets$", url.path)
        release = self.releases.get(int(found.group(1))) if found else None
        if release is None:
            return 404, {}, json.dumps({"message": "Not Found"})
        name = parse_qs(url.query)["name"][0]
        if any(item["name"] == name for item in release["assets"]):
            error = {"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}
            return 422, {}, json.dumps({"message": "Validation Failed", "errors": [error]})
        content_type = request.headers.get("Content-Type", "")
        asset = self._asset(release, name, data, content_type)
        release["assets"].append(asset)
        return 201, {}, json.dumps(self._public(asset))
