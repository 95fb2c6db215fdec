"""Markdown to safe HTML, and plain-text excerpts."""
import contextvars
import re
from html import unescape

import nh3
from markdown_it import MarkdownIt

from blog.text.highlight import allowed_class, highlight_code, highlight_deadline

# When the text being rendered stops colouring code blocks (blog.text.highlight).
_highlight_deadline = contextvars.ContextVar("highlight_deadline", default=0.0)
_markdown = MarkdownIt("commonmark", {
    "html": False, "linkify": False, "typographer": True,
    "highlight": lambda code, language, attrs: highlight_code(code, language,
                                                              _highlight_deadline.get()),
})
_markdown.enable(["table", "strikethrough", "replacements", "smartquotes"])

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "span": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}


def render_markdown(text):
    """Markdown rendered, code blocks coloured, then sanitised: no script, handler, style
    or unsafe URL survives."""
    token = _highlight_deadline.set(highlight_deadline())
    try:
        html = _markdown.render(text or "")
    finally:
        _highlight_deadline.reset(token)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_allowed_attribute,
    )


def _allowed_attribute(tag, attribute, value):
    """Classes only as the highlighter writes them; other allowed attributes as they are."""
    if attribute == "class":
        return allowed_class(tag, value)
    return value


# Tags inside a line of text: removed without a space, so that "**daily**." stays "daily.".
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|code|del|em|i|s|span|strong|sub|sup)\b[^>]*>")


def plain_text(html):
    """The words of sanitised HTML, without markup."""
    text = re.sub(r"<[^>]*>", " ", _INLINE_TAG.sub("", html or ""))
    return " ".join(unescape(text).split())


def excerpt(html, words=40):
    parts = plain_text(html).split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(".,;:!?") + "…"
