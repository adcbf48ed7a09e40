"""Bytes to validated records with positions; every problem is a finding, never an exception.

Reads files (working tree or any `FileSource`) and the shipped defaults; imports `models` and
`scope` (to read only what a change needs), never git, GitHub or the Actions runtime.
"""
