"""What the files mean: plans, estimates, usage reports, the variance summary, the config,
and the vocabulary every layer speaks (findings, records with their source positions).

The bottom layer: imports nothing of `budget_gate` but `errors`.
"""
