"""What changed between two texts, word by word, for people to read.

Texts are split into words and the white space between them; runs of words
both texts share are kept whole when short and folded to their ends around
"…" when long, so a one-word change in a long post shows as that word with a
little context, not as two copies of the post.
"""
import difflib
import re
from dataclasses import dataclass

TOKEN = re.compile(r"\s+|[^\s]+")
# Unchanged words kept on each side of a change; longer unchanged runs are folded.
CONTEXT_WORDS = 8


@dataclass(frozen=True)
class Piece:
    """A run of the text: ``kind`` is "same", "inserted", "deleted" or "folded"
    (unchanged words left out; ``text`` is then empty)."""

    kind: str
    text: str


def word_diff(old, new, context=CONTEXT_WORDS):
    """The pieces that turn ``old`` into ``new``, long unchanged runs folded."""
    old_tokens, new_tokens = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    pieces = []
    opcodes = matcher.get_opcodes()
    for position, (operation, old_start, old_end, new_start, new_end) in enumerate(opcodes):
        if operation == "equal":
            pieces.extend(_unchanged(old_tokens[old_start:old_end], context,
                                     first=position == 0, last=position == len(opcodes) - 1))
            continue
        if old_end > old_start:
            pieces.append(Piece("deleted", "".join(old_tokens[old_start:old_end])))
        if new_end > new_start:
            pieces.append(Piece("inserted", "".join(new_tokens[new_start:new_end])))
    return pieces


def _unchanged(tokens, context, first, last):
    """An unchanged run: whole when short, else its ends around a fold. The text's
    own start and end need no context on their outer side."""
    words = [index for index, token in enumerate(tokens) if not token.isspace()]
    keep_before = 0 if first else context
    keep_after = 0 if last else context
    if len(words) <= keep_before + keep_after + 1:
        return [Piece("same", "".join(tokens))]
    pieces = []
    if keep_before:
        pieces.append(Piece("same", "".join(tokens[:words[keep_before - 1] + 1]) + " "))
    pieces.append(Piece("folded", ""))
    if keep_after:
        pieces.append(Piece("same", " " + "".join(tokens[words[-keep_after]:])))
    return pieces


def is_changed(pieces):
    return any(piece.kind in ("inserted", "deleted") for piece in pieces)
