"""The one path from author text to HTML.

Every template filter, loader and view that shows text written by a person goes through
:func:`render_markdown` (or :func:`render_rich` for GIFT's other formats), so that one
allow-list decides what may reach a page.
"""

from __future__ import annotations

import html
import re
import threading
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

_EXTENSIONS = ["extra", "sane_lists", "smarty"]

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "section",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "li": {"id"},
    "sup": {"id"},
    "ol": {"start"},
}
# ``class`` survives only where code highlighting needs it: ``language-…`` on code blocks (fenced code).
_CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+#.-]{1,40}$")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    if tag != "code":
        return None
    kept = [name for name in value.split() if _CODE_CLASS.match(name)]
    return " ".join(kept) or None


# Relative links and images (static/ files, footnote anchors) stay; absolute ones need a safe scheme.
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(raw: str) -> str:
    """Reduce HTML to the allow-list: no script, style, iframe, event handler or javascript: URL."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes={**ALLOWED_ATTRIBUTES, "code": {"class"}},
        attribute_filter=_keep_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b")


# Texts up to this length (question stems, choices, feedback, descriptions) are rendered once per worker and
# remembered: an attempt page shows a dozen of them on every load. Lessons are longer; their HTML is stored.
_REMEMBERED_LENGTH = 2_000
_converters = threading.local()


def _converter() -> md.Markdown:
    """This thread's Markdown converter, reset between texts (building one costs more than converting)."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = md.Markdown(extensions=_EXTENSIONS, output_format="html")
    return converter.reset()


def render_markdown(text: str | None, below: int = 0) -> Markup:
    """Render author Markdown to sanitised HTML, safe to put in a page.

    ``below``: the page's own heading level the text sits under; the text's headings move down by as much, so
    that a lesson's "# Title" does not become a second <h1> beside the page's (h6 stays h6).
    """
    if not text:
        return Markup("")
    if len(text) <= _REMEMBERED_LENGTH:
        return Markup(_remembered(text, below))
    return Markup(_render(text, below))


@lru_cache(maxsize=2048)
def _remembered(text: str, below: int) -> str:
    return _render(text, below)


def _render(text: str, below: int) -> str:
    converted = _converter().convert(text)
    cleaned = sanitize_html(converted)
    # A wide table scrolls inside a box of its own (reachable by keyboard) instead of widening the page.
    cleaned = cleaned.replace("<table>", '<div class="table-responsive" tabindex="0"><table>').replace(
        "</table>", "</table></div>"
    )
    if below:
        cleaned = _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + below, 6)}", cleaned)
    return cleaned


def render_rich(text: str | None, fmt: str = "markdown") -> Markup:
    """Render text given in one of GIFT's formats: markdown, html, plain or moodle (auto)."""
    if not text:
        return Markup("")
    if fmt == "plain":
        return Markup("<p>" + html.escape(text).replace("\n", "<br>") + "</p>")
    if fmt == "html":
        return Markup(sanitize_html(text))
    return render_markdown(text)
