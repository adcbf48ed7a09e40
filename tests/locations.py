"""Where the repository's files and the tests' own data are, for a test in any folder."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
CORPUS = TESTS / "corpus"
SNAPSHOTS = TESTS / "snapshots"
FIXTURES = TESTS / "fixtures"
AGENT_FIXTURES = FIXTURES / "agents"
EVENT_FIXTURES = FIXTURES / "github-events"
DEMO = ROOT / "examples" / "demo"
