"""Content: Markdown rendering, GIFT parsing and writing, curriculum loaders."""

from __future__ import annotations


def init_app(app) -> None:
    """Nothing to register yet: the parsers are called by the areas that own what they parse."""
