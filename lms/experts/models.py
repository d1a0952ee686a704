"""Experts models."""
