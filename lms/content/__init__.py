"""Content: Markdown rendering, GIFT parsing and writing, curriculum file parsing. No module here imports an
area: the areas call these parsers with what they know."""

from __future__ import annotations


def init_app(app) -> None:
    """Registers the `flask content` group (its commands come from the areas that own the content)."""
    from lms.content import cli

    app.cli.add_command(cli.cli)
