"""The release gate: the range between release tags, its judgement, the variance summary
(§3.4) as YAML and markdown, and the evidence section of the release notes.

Imports the core, `git` and `workspace`; never GitHub or the Actions runtime.
"""
