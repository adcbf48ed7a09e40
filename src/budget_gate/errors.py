"""The tool-could-not-judge errors (exit status 2). Each message says what to do about it."""

from __future__ import annotations


class GateError(Exception):
    """A problem with the command line, the config or the environment, not with the artifacts."""


class ConfigError(GateError):
    pass
