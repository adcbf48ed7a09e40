"""The only package that runs git: the runner, objects and trees, tags, and the repository
queries that turn a commit range into a `Change`.

Imports `models`, `scope` and `load` (a commit as a `FileSource`).
"""
