"""AEO readiness: the certification standard as versioned data, self-assessments with review, readiness maps,
learning paths that follow the gaps, and the effect of training on the standard's items."""
