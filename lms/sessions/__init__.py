"""Sessions area."""
