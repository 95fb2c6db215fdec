"""Text helpers: word-level differences and stripping control characters."""
from blog.text.diff import is_changed, word_diff
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
