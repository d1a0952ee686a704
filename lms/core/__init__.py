"""Pages and plumbing shared by every area: home and dashboards, health, errors, language, headers."""
