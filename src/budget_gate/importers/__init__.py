"""Agents' own usage output (one module per format) to usage reports: `budget-gate import`."""
