"""Markdown to safe HTML, and plain-text excerpts."""
import contextvars
import gc
import re
import time
from contextlib import contextmanager
from html import escape, unescape
from urllib.parse import urljoin, urlsplit

import nh3
from flask import current_app, has_app_context
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML

from blog.text.highlight import allowed_class, highlight_code, highlight_deadline

# Processor time one text may take to parse. Long documents of the longest length
# a post may have parse in 0.05 to 0.09 s on a 2-core machine, and rendering and
# sanitising what was parsed in that time takes less than half as long again;
# text that is little but markup (a hundred thousand "[", or table rows) would
# take seconds and is refused.
PARSE_SECONDS = 0.1
# Reading the clock costs more than a parsing step, so it is read every few steps.
STEPS_PER_CLOCK_READING = 32
TOO_COMPLEX = ("This text has more formatting than can be shown at once: split it into "
               "shorter posts or use less formatting.")


class TooComplex(ValueError):
    """Text whose formatting takes longer to work out than one request may spend."""


def _within_time(state, *_):
    """A parsing rule that matches nothing: it stops a parse that ran out of time."""
    env = state.env
    env["steps"] += 1
    if env["steps"] % STEPS_PER_CLOCK_READING == 0 and time.thread_time() > env["deadline"]:
        raise TooComplex(TOO_COMPLEX)
    return False


# When the text being rendered stops colouring code blocks (blog.text.highlight).
_highlight_deadline = contextvars.ContextVar("highlight_deadline", default=0.0)
# Smart quotes are left out: pairing quotes takes time that grows with the square
# of their number (100,000 quotes took seconds). The other replacements are linear.
_markdown = MarkdownIt("commonmark", {
    "html": False, "linkify": False, "typographer": True,
    "highlight": lambda code, language, attrs: highlight_code(code, language,
                                                              _highlight_deadline.get()),
})
_markdown.enable(["table", "strikethrough", "replacements"])
# First in both chains, and among the rules that end a paragraph, a quote or a
# list, so it runs at every position and line the parser tries.
_markdown.block.ruler.before("table", "time_limit", _within_time,
                             {"alt": ["paragraph", "reference", "blockquote", "list"]})
_markdown.inline.ruler.before("text", "time_limit", _within_time)


def _image(renderer, tokens, idx, options, env):
    """An image of this blog, or of a host in ``IMAGE_HOSTS``; any other becomes a link to
    it, so that showing a post tells no other host who reads it."""
    token = tokens[idx]
    source = token.attrGet("src") or ""
    if image_allowed(source, env.get("image_hosts", ())):
        token.attrSet("loading", "lazy")
        return RendererHTML.image(renderer, tokens, idx, options, env)
    text = renderer.renderInlineAsText(token.children or [], options, env) or source
    return f'<a href="{escape(source)}">{escape(text)}</a>'


_markdown.add_render_rule("image", _image)


def image_allowed(source, hosts):
    """Whether an image at ``source`` may be shown: a path on this blog, or an https or
    http address on one of ``hosts``."""
    if "\\" in source:
        return False
    parts = urlsplit(source)
    if not parts.scheme and not parts.netloc:
        return source.startswith("/")
    return (parts.scheme in ("http", "https") and parts.netloc != ""
            and parts.netloc.lower().rsplit("@", 1)[-1] in hosts)


def image_hosts():
    """The hosts whose images posts show (``IMAGE_HOSTS``); none outside an app."""
    return current_app.config.get("IMAGE_HOSTS", ()) if has_app_context() else ()


# Comments: the same, without images or headings ("# 1" stays a line of text).
_comment_markdown = MarkdownIt("commonmark", _markdown.options)
_comment_markdown.enable(["table", "strikethrough", "replacements"])
_comment_markdown.disable(["image", "heading", "lheading"])
_comment_markdown.block.ruler.before("table", "time_limit", _within_time,
                                     {"alt": ["paragraph", "reference", "blockquote", "list"]})
_comment_markdown.inline.ruler.before("text", "time_limit", _within_time)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "loading"},
    "code": {"class"},
    "span": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
COMMENT_TAGS = ALLOWED_TAGS - {"img", "h1", "h2", "h3", "h4", "h5", "h6"}
# Links in readers' comments are theirs, not the blog's: search engines are told so.
COMMENT_LINK_REL = "nofollow ugc noopener"


@contextmanager
def _collection_paused():
    """The parser makes tens of thousands of short-lived objects, freed as soon as
    nothing refers to them; the collector's passes over the whole heap that they
    set off took a third of the parsing time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_markdown(text):
    """Markdown rendered, code blocks coloured, then sanitised: no script, handler, style
    or unsafe URL survives, and images only from this blog or ``IMAGE_HOSTS``.

    Raises ``TooComplex`` when parsing takes longer than ``PARSE_SECONDS`` of
    this thread's processor time.
    """
    return _render(_markdown, text, ALLOWED_TAGS, "noopener noreferrer")


def render_comment_markdown(text):
    """A comment's Markdown as ``render_markdown`` renders a post's, but with no images
    or headings, and links marked as the commenter's (``rel="nofollow ugc noopener"``)."""
    return _render(_comment_markdown, text, COMMENT_TAGS, COMMENT_LINK_REL)


def _render(parser, text, tags, link_rel):
    token = _highlight_deadline.set(highlight_deadline())
    try:
        with _collection_paused():
            env = {"steps": 0, "deadline": time.thread_time() + PARSE_SECONDS,
                   "image_hosts": image_hosts()}
            html = parser.render(text or "", env)
    finally:
        _highlight_deadline.reset(token)
    return _sanitise(html, _allowed_attribute, tags, link_rel)


def with_absolute_links(html, base):
    """Rendered HTML whose relative links and image sources are made absolute against
    ``base`` (``https://blog.example.org/posts/slug``), for where it is read away from
    the site: a feed reader."""
    def absolute(tag, attribute, value):
        if attribute in ("href", "src"):
            return urljoin(base, value)
        return _allowed_attribute(tag, attribute, value)
    return _sanitise(html, absolute)


def _sanitise(html, attribute_filter, tags=ALLOWED_TAGS, link_rel="noopener noreferrer"):
    return nh3.clean(
        html,
        tags=tags,
        attributes={tag: names for tag, names in ALLOWED_ATTRIBUTES.items() if tag in tags},
        url_schemes={"http", "https", "mailto"},
        link_rel=link_rel,
        strip_comments=True,
        attribute_filter=attribute_filter,
        # A code block wider than the screen scrolls; the keyboard can reach it to scroll it.
        set_tag_attribute_values={"pre": {"tabindex": "0"}},
    )


def _allowed_attribute(tag, attribute, value):
    """Classes only as the highlighter writes them; other allowed attributes as they are."""
    if attribute == "class":
        return allowed_class(tag, value)
    return value


# Tags inside a line of text: removed without a space, so that "**daily**." stays "daily.".
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|code|del|em|i|s|span|strong|sub|sup)\b[^>]*>")


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


_LINK_ELEMENT = re.compile(r"<a\b[^>]*>.*?</a>", re.DOTALL)
_BARE_ADDRESS = re.compile(r"(?:https?://|www\.)\S", re.IGNORECASE)


def link_count(html):
    """Links in sanitised HTML: its link elements, and web addresses written out in its
    text (which readers copy as well as click)."""
    links = _LINK_ELEMENT.findall(html or "")
    rest = _LINK_ELEMENT.sub(" ", html or "")
    return len(links) + len(_BARE_ADDRESS.findall(plain_text(rest)))
