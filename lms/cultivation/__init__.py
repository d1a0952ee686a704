"""Cultivation area."""
