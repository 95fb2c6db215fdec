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
# How many words after an unquoted ``tag:`` may complete a tag with spaces.
MAX_TAG_WORDS = 4

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
    # With the tags in use known: tags read together with the words after them
    # (``tag:newcomer tag``), tags no post has, and how to quote the first of those.
    spaced_tags: list = field(default_factory=list)
    unknown_tags: list = field(default_factory=list)
    quoting_hint: str = ""

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


def parse_query(text, known_tags=None):
    """``text`` read as a query; raises ValueError when it is too long.

    With ``known_tags`` (the tags in use), an unquoted ``tag:name`` that is not
    one of them takes the words after it when together they name one, as
    ``tag:newcomer tag`` names "newcomer tag"; the tags still unknown are listed.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise ValueError(f"A search can be at most {MAX_QUERY_LENGTH} characters long.")
    query = SearchQuery(text=text)
    clauses = list(CLAUSE.finditer(text))
    position = 0
    while position < len(clauses):
        clause = clauses[position]
        position += 1
        excluded = bool(clause["exclude"])
        body = clause["quoted"] if clause["quoted"] is not None else clause["word"]
        if not clause["tag"]:
            _add_words(query, body, excluded)
            continue
        tag = normalise_tag(body)
        if known_tags is not None and tag and tag not in known_tags:
            # Only an unquoted tag can have been cut short at a space.
            following = (_plain_words(clauses[position:position + MAX_TAG_WORDS])
                         if clause["word"] is not None else [])
            taken, tag = _spaced_tag(tag, following, known_tags)
            position += taken
            if taken:
                query.spaced_tags.append(tag)
            elif not excluded:
                query.unknown_tags.append(tag)
                if following and not query.quoting_hint:
                    query.quoting_hint = f'tag:"{tag} {following[0]}"'
        _add_tag(query, tag, excluded)
    return query


def _plain_words(clauses):
    """The words at the start of ``clauses`` that are neither tags, exclusions nor quoted."""
    found = []
    for clause in clauses:
        if clause["exclude"] or clause["tag"] or clause["word"] is None:
            break
        found.append(clause["word"])
    return found


def _spaced_tag(tag, following, known_tags):
    """How many of the ``following`` words complete ``tag`` into a known tag (the most
    that do), and the tag they make; ``0, tag`` when none does."""
    for count in range(len(following), 0, -1):
        joined = normalise_tag(" ".join([tag, *following[:count]]))
        if joined in known_tags:
            return count, joined
    return 0, tag


def _add_tag(query, tag, excluded):
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
