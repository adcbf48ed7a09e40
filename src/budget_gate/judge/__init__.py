"""The pure core of a run: change + records + config -> `Report` (scope reasons, rules,
variance, thresholds, phase budgets, stop-loss, policy).

No git, network, environment or clock; imports `models`, `scope`, `load` (phase-budget defaults)
and `cost`.
"""
