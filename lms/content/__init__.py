"""Content: Markdown rendering, GIFT parsing and writing, curriculum loaders."""
