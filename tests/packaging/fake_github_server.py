"""GitHub's REST API over real HTTP on 127.0.0.1, for the Action run inside its container.

The answers and the state are those of `tests/action/fakegithub.py` (comments, check runs with
annotations, statuses, GitHub's limits, paginated lists): this module only puts that fake
behind a socket. Each request that arrives is replayed through `requests` into FakeGitHub's
`responses` callbacks and the answer is relayed back. After every request the state is written
as JSON to `--state` (comments, check runs, statuses, and every request in order), which the
container test reads. It listens on the loopback address only and stops by itself after
`--lifetime` seconds.

    python tests/packaging/fake_github_server.py --state state.json --port-file port
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import requests
import responses

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "action"))
from fakegithub import REPO, FakeGitHub

HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "content-encoding"}


def state_of(github: FakeGitHub) -> dict[str, Any]:
    """What the test asserts: the public fields GitHub would show, and the requests sent."""

    def public(item: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in item.items() if not key.startswith("_")}

    return {
        "comments": [
            {**public(comment), "number": comment["_number"]}
            for comment in github.comments.values()
        ],
        "check_runs": [
            {**public(run), "annotations": run["_annotations"]}
            for run in github.check_runs.values()
        ],
        "statuses": github.statuses,
        "requests": github.requests(),
    }


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, "utf-8")
    partial.replace(path)


def make_handler(github: FakeGitHub, state: Path) -> type[BaseHTTPRequestHandler]:
    class Relay(BaseHTTPRequestHandler):
        """Every method: replay into FakeGitHub, answer with what it answered."""

        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
            answer = requests.request(
                self.command, github.api_url + self.path, data=body, headers=headers, timeout=10
            )
            # recorded before answering: whoever has the answer finds the request in the state
            write_atomically(state, json.dumps(state_of(github), indent=1))
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _relay  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the requests are in the state file."""

    return Relay


def serve(state: Path, port_file: Path, repository: str, lifetime: float) -> None:
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # Real HTTP to this address from another process still reaches the socket: `responses`
        # only patches `requests` inside this process, where the relay replays each request.
        github = FakeGitHub(mock, api_url=url, server_url=url, repository=repository)
        server.RequestHandlerClass = make_handler(github, state)
        write_atomically(state, json.dumps(state_of(github)))
        write_atomically(port_file, f"{url}\n")
        deadline = time.monotonic() + lifetime
        server.timeout = 0.5
        while time.monotonic() < deadline:
            server.handle_request()
    server.server_close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, required=True, help="JSON state written here")
    parser.add_argument("--port-file", type=Path, required=True, help="the base URL, once ready")
    parser.add_argument("--repository", default=REPO)
    parser.add_argument("--lifetime", type=float, default=600.0, help="seconds before it stops")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(args.state, args.port_file, args.repository, args.lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
