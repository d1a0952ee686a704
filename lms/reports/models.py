"""Reports keep no tables of their own: every figure is computed, when asked for, from the records of the
other areas (see lms.reports.metrics)."""
