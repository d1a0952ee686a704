"""Courses area."""
