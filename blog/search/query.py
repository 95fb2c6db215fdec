"""Reading a search query: words, "quoted phrases", -exclusions and tag:name.

The query is only ever turned into lists of stems and tag names, which the
ranking module passes to the database as plain values: no part of it becomes
a regular expression or an operator.
"""
import re
from dataclasses import dataclass, field

from blog.models.post import normalise_tag
from blog.text.analysis import stems

MAX_QUERY_LENGTH = 200

# One clause: an optional "-", an optional "tag:", then a quoted run (the
# closing quote may be missing) or a run of anything but spaces and quotes.
CLAUSE = re.compile(r'(?P<exclude>-)?(?P<tag>tag:)?(?:"(?P<quoted>[^"]*)"?|(?P<word>[^\s"]+))',
                    re.IGNORECASE)


@dataclass
class SearchQuery:
    """A parsed query: terms are stems, phrases are Phrases, tags are tag names."""

    text: str = ""
    terms: list = field(default_factory=list)
    phrases: list = field(default_factory=list)
    excluded_terms: list = field(default_factory=list)
    excluded_phrases: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    excluded_tags: list = field(default_factory=list)
    has_words: bool = False

    @property
    def required_terms(self):
        """Every key stem a matching post must hold: the words and the phrases' words."""
        required = list(self.terms)
        for phrase in self.phrases:
            required.extend(phrase.key_stems)
        return list(dict.fromkeys(required))

    @property
    def is_searchable(self):
        return bool(self.required_terms or self.tags)

    @property
    def problem(self):
        """Why this query cannot be searched, in words for the reader; None when it can."""
        if self.is_searchable:
            return None
        if not self.text.strip():
            return "Type a few words to search the posts."
        if self.excluded_terms or self.excluded_phrases or self.excluded_tags:
            return ("A search needs at least one word to look for: words with a “-” in "
                    "front only leave posts out.")
        if self.has_words:
            return ("That search only has very common words (such as “the” or “and”), "
                    "which search ignores. Add a more specific word.")
        return "Search for words: this query has no letters or digits."


@dataclass(frozen=True)
class Phrase:
    """Words to find next to each other: all their stems in order, stop words
    included, and the stems of the others, which a post must hold to be checked."""

    stems: tuple
    key_stems: tuple


def parse_query(text):
    """``text`` read as a query; raises ValueError when it is too long."""
    if len(text) > MAX_QUERY_LENGTH:
        raise ValueError(f"A search can be at most {MAX_QUERY_LENGTH} characters long.")
    query = SearchQuery(text=text)
    for clause in CLAUSE.finditer(text):
        excluded = bool(clause["exclude"])
        body = clause["quoted"] if clause["quoted"] is not None else clause["word"]
        if clause["tag"]:
            _add_tag(query, body, excluded)
        else:
            _add_words(query, body, excluded)
    return query


def _add_tag(query, name, excluded):
    tag = normalise_tag(name)
    if not tag:
        return
    target = query.excluded_tags if excluded else query.tags
    if tag not in target:
        target.append(tag)


def _add_words(query, text, excluded):
    """A quoted run, or a word that splits into several (``mongo-engine``), is a phrase."""
    analysed = stems(text)
    if not analysed:
        return
    query.has_words = True
    key = tuple(s for s, stop in analysed if not stop)
    if not key:
        return
    if len(analysed) == 1:
        target = query.excluded_terms if excluded else query.terms
        if key[0] not in target:
            target.append(key[0])
        return
    phrase = Phrase(stems=tuple(s for s, _ in analysed), key_stems=key)
    target = query.excluded_phrases if excluded else query.phrases
    if phrase not in target:
        target.append(phrase)
