"""Cultivation models."""
