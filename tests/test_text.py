"""Text helpers: Markdown, word-level differences and stripping control characters."""
import time

import pytest

from blog.text.diff import is_changed, word_diff
from blog.text.markdown import TooComplex, render_markdown
from blog.text.normalise import without_control_characters


def shown(pieces):
    marks = {"same": "{}", "inserted": "+[{}]", "deleted": "-[{}]", "folded": "…"}
    return "".join(marks[piece.kind].format(piece.text) for piece in pieces)


def test_a_change_at_the_end_of_a_long_text_shows_that_change_with_context():
    start = " ".join(f"word{number}" for number in range(200))
    pieces = word_diff(start + " the end was here", start + " the end is here")
    assert shown(pieces).startswith("…") and "-[was]+[is]" in shown(pieces)
    assert len(shown(pieces)) < 150 and is_changed(pieces)


def test_unchanged_runs_between_changes_are_folded_only_when_long():
    middle = " ".join(["same"] * 40)
    text = shown(word_diff(f"alpha {middle} omega", f"ALPHA {middle} OMEGA"))
    assert text.startswith("-[alpha]+[ALPHA]") and text.endswith("-[omega]+[OMEGA]")
    assert "…" in text and text.count("same") == 16
    assert shown(word_diff("a b c", "a x c")) == "a -[b]+[x] c"


def test_equal_texts_have_no_change():
    assert not is_changed(word_diff("same words", "same words"))
    assert shown(word_diff("", "new text")) == "+[new text]"


def test_control_characters_are_stripped_and_lines_kept_where_asked():
    assert without_control_characters("Control \x01 char\x7f\x9b") == "Control  char"
    assert without_control_characters("a\tb\r\nc\x00", multiline=True) == "a\tb\nc"
    assert without_control_characters("a\tb\nc") == "abc"
    assert without_control_characters(None) is None


# Each is 100,000 characters, the longest a post may be.
PATHOLOGICAL_MARKDOWN = {
    "quotes": "'\"" * 50_000,
    "single quotes": "a'" * 50_000,
    "image openers": "![" * 50_000,
    "link openers": "[" * 100_000,
    "link openers, closed once": "[" * 99_999 + "]",
    "unclosed links": "[a](" * 25_000,
    "emphasis": "*a" * 50_000,
    "strong emphasis": "**a" * 33_334,
    "underscores": "_a" * 50_000,
    "backticks": "`" * 100_000,
    "code spans": "`a" * 50_000,
    "angle brackets": "<" * 100_000,
    "autolink openers": "<a" * 50_000,
    "ampersands": "&" * 100_000,
    "nested quotes": ">" * 100_000,
    "quoted lists": "> - " * 25_000,
    "nested lists": "".join("  " * (depth % 60) + "- a\n" for depth in range(25_000)),
    "list items": "- a\n" * 25_000,
    "table rows": "a|b\n-|-\n" + "c|d\n" * 24_998,
    "headings": "# a\n" * 25_000,
    "line breaks": "a\n" * 50_000,
    "link references": "".join(f"[r{n}]: /u{n}\n" for n in range(4_000))
    + "".join(f"[r{n}] " for n in range(20_000)),
}


def render_seconds(text):
    """The processor time of the quicker of two renders, and whether it was refused."""
    timings = []
    for _ in range(2):
        started = time.thread_time()
        try:
            render_markdown(text)
            refused = False
        except TooComplex:
            refused = True
        timings.append(time.thread_time() - started)
    return min(timings), refused


@pytest.mark.parametrize("name", PATHOLOGICAL_MARKDOWN)
def test_no_text_of_the_longest_length_takes_long_to_render(name):
    text = PATHOLOGICAL_MARKDOWN[name][:100_000]
    seconds, _ = render_seconds(text)
    assert seconds < 0.2, f"{name}: {seconds:.2f} s"


def long_article(sections):
    """Writing as a long technical post has it: every kind of Markdown, little of it dense."""
    parts = []
    for number in range(sections):
        parts.append(f"## Part {number}: on *keeping* notes\n\n"
                     "Notes kept in one place are easier to find again. Write the date, what "
                     f"you tried and what happened; see [the guide](https://example.com/{number})"
                     " and the `notes` command. It's \"simple\" -- and it works...\n\n"
                     "- one thing to remember\n- another, with **weight**\n  - and a detail\n\n"
                     "> A quoted remark that runs over\n> two lines.\n\n"
                     "```python\nfor note in notes:\n    print(note.title)\n```\n\n"
                     "| tool | use |\n|------|-----|\n| pen | writing |\n| ink | ~~spilling~~ |"
                     "\n\n1. first\n2. second\n\n![a figure](https://example.com/figure.png)\n\n")
    return "".join(parts)


def test_long_ordinary_writing_renders_in_full():
    text = long_article(60)
    assert 30_000 < len(text) < 40_000
    html = render_markdown(text)
    assert html.count("<h2>") == 60 and html.count("<table>") == 60
    # Each part's link, and its figure: an image from another host is shown as a link.
    assert html.count('<a href="https://example.com/') == 120 and "<s>spilling</s>" in html
    assert "It's \"simple\" – and it works…" in html
