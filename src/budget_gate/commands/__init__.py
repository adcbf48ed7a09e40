"""One module per `budget-gate` subcommand, each with `add_parser(commands)` and `run(args)`."""
