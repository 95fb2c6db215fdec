"""Code blocks coloured by Pygments, and the stylesheet that colours them.

A fenced block's info string names its language (```` ```python ````); the
highlighter wraps its tokens in ``<span class="…">`` with Pygments' short
class names, which the sanitiser lets through and nothing else. An unknown or
missing language, or a block too long to colour quickly, stays escaped plain
text. The colours suit the site's dark code blocks.
"""
import re
import time

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.style import Style
from pygments.token import (
    STANDARD_TYPES, Comment, Error, Generic, Keyword, Name, Number, Operator, Punctuation,
    String, Text, Token,
)
from pygments.util import ClassNotFound

# The stylesheet's scope: code blocks in rendered posts (templates and site.css).
CODE_BLOCK_SELECTOR = ".prose pre"
BLOCK_BACKGROUND = "#0f172a"
# Pygments' lexers are regular expressions, some slow (quadratic) on crafted text:
# only these languages are coloured, only blocks up to MAX_HIGHLIGHTED characters,
# and no further block once a text has spent HIGHLIGHT_SECONDS on colouring. The
# rest stays plain, escaped text.
LANGUAGES = frozenset((
    "python", "py", "javascript", "js", "typescript", "ts", "bash", "sh", "shell", "json",
    "yaml", "yml", "toml", "ini", "html", "xml", "css", "scss", "sql", "go", "rust", "java",
    "kotlin", "swift", "c", "cpp", "c++", "csharp", "c#", "ruby", "php", "perl", "lua", "r",
    "haskell", "elixir", "erlang", "clojure", "scala", "dart", "diff", "markdown", "docker",
    "dockerfile", "nginx", "graphql", "powershell", "latex", "ocaml", "julia", "jinja",
))
MAX_HIGHLIGHTED = 3_000
HIGHLIGHT_SECONDS = 0.5
# Every class the formatter can write; the sanitiser keeps these and no others.
TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)
_COMMENT = re.compile(r"\s*/\*.*?\*/")
LANGUAGE_CLASS = re.compile(r"^language-[\w+#.-]{1,40}$")


class InkwellCodeStyle(Style):
    """Light colours on the dark code block, each readable against it (4.5:1 or more)."""

    background_color = BLOCK_BACKGROUND
    highlight_color = "#1e293b"
    styles = {
        Token: "#e2e8f0",
        Text: "#e2e8f0",
        Comment: "italic #94a3b8",
        Keyword: "bold #9db8ff",
        Keyword.Type: "#7dd3fc",
        Name.Builtin: "#7dd3fc",
        Name.Function: "#c4b5fd",
        Name.Class: "bold #c4b5fd",
        Name.Decorator: "#f0abfc",
        Name.Tag: "#9db8ff",
        Name.Attribute: "#fcd34d",
        String: "#86efac",
        String.Escape: "#fcd34d",
        Number: "#fdba74",
        Operator: "#cbd5e1",
        Punctuation: "#cbd5e1",
        Generic.Deleted: "#fca5a5",
        Generic.Inserted: "#86efac",
        Generic.Heading: "bold #e2e8f0",
        Generic.Emph: "italic",
        Generic.Strong: "bold",
        Error: "#fca5a5",
    }


_formatter = HtmlFormatter(nowrap=True)


def highlight_code(code, language, deadline):
    """``code`` as HTML spans coloured for ``language``, or None to leave it plain: an
    unknown language, a long block, or ``deadline`` (a ``time.monotonic()`` value) passed."""
    language = (language or "").lower()
    if (language not in LANGUAGES or len(code) > MAX_HIGHLIGHTED
            or time.monotonic() > deadline):
        return None
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return None
    return highlight(code, lexer, _formatter)


def highlight_deadline():
    """When a text starting to render now stops colouring further blocks."""
    return time.monotonic() + HIGHLIGHT_SECONDS


def allowed_class(tag, value):
    """The classes of ``value`` the sanitiser keeps on ``tag``: the highlighter's, on
    spans; a language name, on code."""
    if tag == "span":
        kept = [name for name in value.split() if name in TOKEN_CLASSES]
    elif tag == "code":
        kept = [name for name in value.split() if LANGUAGE_CLASS.match(name)]
    else:
        kept = []
    return " ".join(kept) or None


def stylesheet():
    """The CSS that colours highlighted code blocks: the block and each token, nothing
    outside ``CODE_BLOCK_SELECTOR``."""
    formatter = HtmlFormatter(style=InkwellCodeStyle)
    rules = (formatter.get_background_style_defs(CODE_BLOCK_SELECTOR)
             + formatter.get_token_style_defs(CODE_BLOCK_SELECTOR))
    # Without the comments naming each token type ("Generic.Traceback" among them).
    return "\n".join(_COMMENT.sub("", rule) for rule in rules) + "\n"
