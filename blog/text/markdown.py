"""Markdown to safe HTML, and plain-text excerpts."""
import re
from html import unescape

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
_markdown.enable(["table", "strikethrough", "replacements", "smartquotes"])

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}


def render_markdown(text):
    """Markdown rendered, then sanitised: no script, handler, style or unsafe URL survives."""
    return nh3.clean(
        _markdown.render(text or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


# Tags inside a line of text: removed without a space, so that "**daily**." stays "daily.".
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|code|del|em|i|s|strong|sub|sup)\b[^>]*>")


# Blocks that are not running prose: code, and headings (which would run into the sentence).
_NOT_PROSE = re.compile(r"<(pre|h[1-6])\b[^>]*>.*?</\1>", re.DOTALL)


def plain_text(html):
    """The words of sanitised HTML, without markup."""
    text = re.sub(r"<[^>]*>", " ", _INLINE_TAG.sub("", html or ""))
    return " ".join(unescape(text).split())


def prose_text(html):
    """The running text of sanitised HTML, without code blocks and headings; all its
    words when it has nothing else."""
    return plain_text(_NOT_PROSE.sub(" ", html or "")) or plain_text(html)


def excerpt(html, words=40):
    """The first ``words`` words of the prose, for cards and feed summaries."""
    parts = prose_text(html).split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(".,;:!?") + "…"
