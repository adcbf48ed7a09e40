"""The GitHub Actions runtime: the only package that reads its env, event and file commands,
and the one that decides what to publish (comment, check, summary, outputs, release evidence,
the fork-safe bundle).

Imports every feature package below `commands` and `github` for the API.
"""
