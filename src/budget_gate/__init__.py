"""Plan Budget Gate: a pre-merge gate for estimates, usage reports and variance of plan slices."""

__version__ = "0.1.0"
