"""Sessions models."""
