"""The analyser: text to the stems that search stores and looks up.

Both a post and a query go through the same steps: case folded, accents
stripped, split on anything that is not a letter or digit, then each word
stemmed with the Snowball English stemmer. Stop words are kept in the ordered
text that phrases are matched against (so ``"cat in the hat"`` does not match
"cat hat") but are never looked up on their own.
"""
import functools
import re
import threading
import unicodedata

import snowballstemmer

WORD = re.compile(r"[^\W_]+")
# Longer "words" are cut here, so a pasted blob cannot make an index key too large.
MAX_WORD_LENGTH = 64
FIELD_SEPARATOR = "\n"

# Snowball's English stop word list, plus the pieces its contractions
# ("don't", "we'll") leave once apostrophes split words.
STOP_WORDS = frozenset("""
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing would should could ought a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up down
    in out on off over under again further then once here there when where why how all any
    both each few more most other some such no nor not only own same so than too very cannot
    s t d ll m re ve isn aren wasn weren hasn haven hadn doesn don didn won wouldn shan
    shouldn can couldn mustn let
""".split())

_local = threading.local()


def _stemmer():
    # Snowball stemmers keep state while they work: one per thread.
    if not hasattr(_local, "stemmer"):
        _local.stemmer = snowballstemmer.stemmer("english")
    return _local.stemmer


@functools.lru_cache(maxsize=50_000)
def stem(word):
    return _stemmer().stemWord(word)


def normalise(text):
    """Case folded, with accents and compatibility forms (ligatures, wide letters) undone."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text):
    """The normalised words of ``text``, in order."""
    return [word[:MAX_WORD_LENGTH] for word in WORD.findall(normalise(text or ""))]


def stems(text):
    """``(stem, is_stop_word)`` for every word of ``text``, in order."""
    return [(stem(word), word in STOP_WORDS) for word in words(text)]


def key_stems(text):
    """The stems of the words of ``text`` that are not stop words, in order."""
    return [word_stem for word_stem, stop in stems(text) if not stop]


def index_fields(title, tags, text):
    """What a post stores for search, from its title, tags and plain text.

    - ``search_terms``: every distinct key stem, for the multikey ``$all`` lookup;
    - ``title_terms`` and ``tag_terms``: the key stems of each, for ranking;
    - ``stemmed_text``: every word's stem in order, one line for the title, one
      per tag and one for the body, each line padded with spaces, so that a
      phrase is a plain substring search that cannot run from one field into another.
    """
    fields = [title or "", *(tags or []), text or ""]
    analysed = [stems(field) for field in fields]
    title_terms = {s for s, stop in analysed[0] if not stop}
    tag_terms = {s for field in analysed[1:-1] for s, stop in field if not stop}
    body_terms = {s for s, stop in analysed[-1] if not stop}
    return {
        "search_terms": sorted(title_terms | tag_terms | body_terms),
        "title_terms": sorted(title_terms),
        "tag_terms": sorted(tag_terms),
        "stemmed_text": FIELD_SEPARATOR.join(
            phrase_pattern(s for s, _ in field) for field in analysed),
    }


def phrase_pattern(phrase_stems):
    """A run of stems as it appears in ``stemmed_text``."""
    return f" {' '.join(phrase_stems)} "
