"""Renderers: text, JSON and Markdown, all read the same versioned plan document (`Plan.to_json()`)."""

from reconciler.render.json_doc import render_json
from reconciler.render.markdown import MARKER, render_markdown
from reconciler.render.text import render_text

__all__ = ["MARKER", "render_json", "render_markdown", "render_text"]
