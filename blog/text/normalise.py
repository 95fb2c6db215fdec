"""Text made safe to store: no control characters.

C0 and C1 control characters (NUL, escape, backspace …) have no meaning in a
title, a name or a post, and an XML document cannot hold most of them, so one
in a title would make the Atom feed malformed. Text that keeps its lines
(Markdown, a bio) keeps tab and newline; a carriage return is dropped, which
turns a browser's CR LF into LF.
"""
import re

SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MULTI_LINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def without_control_characters(text, multiline=False):
    """``text`` without control characters; ``multiline`` keeps tabs and newlines.
    Anything that is not a string is returned as it is, for validation to refuse."""
    if not isinstance(text, str):
        return text
    return (MULTI_LINE if multiline else SINGLE_LINE).sub("", text)
