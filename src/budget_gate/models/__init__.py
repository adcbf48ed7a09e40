"""What the files mean: plans, estimates, usage reports, the variance summary and the config."""
