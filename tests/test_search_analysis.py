"""The analyser, the query parser and snippets, on their own."""
import pytest
from markupsafe import Markup

from blog.text.analysis import index_fields, key_stems, words
from blog.search.query import parse_query
from blog.search.snippets import snippet


def test_words_are_folded_and_split_on_anything_but_letters_and_digits():
    assert words("Café-Crème, ﬁsh & STRASSE/straße 3.14 naïve_user") == [
        "cafe", "creme", "fish", "strasse", "strasse", "3", "14", "naive", "user"]


def test_key_stems_drop_stop_words_and_stem():
    assert key_stems("The runners were running and he runs") == ["runner", "run", "run"]
    assert key_stems("Don't stop; it's what we'll do") == ["stop"]


def test_index_fields_keep_fields_apart_for_phrases():
    fields = index_fields("Green tea", ["Black Tea", "herbs"], "Brew the tea gently.")
    assert fields["search_terms"] == ["black", "brew", "gentl", "green", "herb", "tea"]
    assert fields["title_terms"] == ["green", "tea"]
    assert fields["tag_terms"] == ["black", "herb", "tea"]
    assert fields["stemmed_text"] == " green tea \n black tea \n herb \n brew the tea gentl "


def test_the_query_language():
    query = parse_query('Running "the cat in the Hat" -dogs -"hot dog" tag:Tea -tag:"old news" x')
    assert query.terms == ["run", "x"]
    assert [phrase.stems for phrase in query.phrases] == [("the", "cat", "in", "the", "hat")]
    assert query.excluded_terms == ["dog"]
    assert [phrase.stems for phrase in query.excluded_phrases] == [("hot", "dog")]
    assert query.tags == ["tea"] and query.excluded_tags == ["old news"]
    assert query.required_terms == ["run", "x", "cat", "hat"]
    assert query.problem is None


def test_a_hyphenated_word_is_a_phrase_and_an_unclosed_quote_runs_to_the_end():
    assert [p.stems for p in parse_query("mongo-engine").phrases] == [("mongo", "engin")]
    assert [p.stems for p in parse_query('"green tea').phrases] == [("green", "tea")]
    assert parse_query('"tea"').terms == ["tea"]


@pytest.mark.parametrize("text, searchable", [
    ("", False), ("the of", False), ("-tea", False), ("***", False), ("tag:tea", True),
    ("tea", True), ('"the tea"', True),
])
def test_what_can_be_searched(text, searchable):
    assert parse_query(text).is_searchable is searchable


def test_a_query_over_200_characters_is_refused():
    parse_query("x" * 200)
    with pytest.raises(ValueError, match="at most 200 characters"):
        parse_query("x" * 201)


def counted(first, last):
    return " ".join(f"w{n}" for n in range(first, last))


def test_snippet_is_thirty_words_from_a_little_before_the_first_match():
    shown = snippet(f"{counted(0, 100)} <b>Teas</b> & {counted(100, 150)} tea", {"tea"})
    assert isinstance(shown, Markup)
    assert shown == Markup(f"… {counted(92, 100)} &lt;b&gt;<mark>Teas</mark>&lt;/b&gt; &amp; "
                           f"{counted(100, 120)} …")


def test_snippet_near_the_end_still_shows_thirty_words():
    shown = snippet(f"{counted(0, 100)} more <i>tea</i>", {"tea"})
    assert shown == Markup(f"… {counted(72, 100)} more &lt;i&gt;<mark>tea</mark>&lt;/i&gt;")


def test_snippet_without_a_match_is_the_beginning():
    assert snippet("one two three", {"tea"}) == "one two three"
    assert snippet(" ".join(["word"] * 40), {"tea"}).endswith("word …")
