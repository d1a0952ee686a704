"""Api models."""
