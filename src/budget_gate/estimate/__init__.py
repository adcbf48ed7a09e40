"""Estimates for planners and accuracy for maintainers: HEURISTIC and HISTORICAL estimates,
writing a record into a YAML file, estimate-vs-actual history and fitted multipliers.

Imports the core, `render` (its own report) and `workspace`.
"""
