"""Read, then judge, for one `check`: the repository, the change, the file source at the
right commit, the config and templates; then the pure `judge`.

The shared first stage of the CLI, the Action and the release gate; imports the core, `git` and
`cost`, never GitHub or the Actions runtime.
"""
