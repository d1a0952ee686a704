"""Api area."""
