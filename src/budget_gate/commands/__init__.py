"""One module per `budget-gate` subcommand, each with `add_arguments(parser)` and `run(args)`.

A module's top-level imports are what its parser needs; what `run` needs is imported there, so
`budget-gate --help` and the other commands never pay for it. A new command is its module and
one line in `cli.COMMANDS` (name, module, help line).
"""
