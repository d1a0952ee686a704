"""Experts area."""
