"""Search under any input, and what one search page costs."""
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.store.embedded import EmbeddedCollection
from search_corpus import PUBLISHED, load_corpus

RESULT = re.compile(r'<h2 class="card-title"><a href="/posts/([^"]+)">')
OPERATIONS = re.compile(r'db;desc="(\d+) operations"')

# Pieces of the query language and of things people paste, to combine at random.
PIECES = st.sampled_from([
    '"', "-", "tag:", "tag:tea", 'tag:"machine learning"', "green", "tea", "compost", "heap",
    "harbour", "the", "and", " ", "  ", "(", ")", "*", ".*", "+", "$where", '{"$gt": ""}', "{",
    "}", "[", "\\", "é", "Ⅻ", "ﬁ", "٣", "\x00", "\t", "<b>", "&amp;", "%", "'", "_",
])
QUERIES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=220),
    st.lists(PIECES, max_size=40).map("".join),
)


@pytest.fixture
def corpus(app):
    return load_corpus(app)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERIES)
def test_any_query_answers_200_or_400_with_only_published_posts(client, corpus, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == (400 if len(q) > 200 else 200)
    assert set(RESULT.findall(response.get_data(as_text=True))) <= PUBLISHED

    response = client.get("/api/posts", query_string={"q": q})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert {post["slug"] for post in response.get_json()["data"]} <= PUBLISHED
        assert {post["status"] for post in response.get_json()["data"]} <= {"published"}


def operations(response):
    return int(OPERATIONS.search(response.headers["Server-Timing"])[1])


@pytest.mark.parametrize("url", ["/search?q=lantern", "/search?q=%22brass+lantern%22",
                                 "/api/posts?q=lantern"])
def test_a_search_page_costs_the_same_operations_for_5_or_50_matches(
        client, make_user, make_post, url):
    authors = [make_user(name=f"Writer {n}") for n in range(5)]

    def add_posts(count):
        for _ in range(count):
            make_post(authors[_ % 5], title="Brass lantern", content="A brass lantern glows.")

    add_posts(5)
    few = client.get(url)
    add_posts(45)
    many = client.get(url)
    assert few.status_code == many.status_code == 200
    assert few.get_data(as_text=True).count("lantern") < many.get_data(as_text=True).count(
        "lantern")
    assert operations(few) == operations(many) <= 3


def test_a_search_page_loads_only_what_it_shows(client, corpus, monkeypatch):
    projections = []
    find = EmbeddedCollection.find

    def recording_find(self, filter=None, projection=None, *args, **kwargs):
        if self.name == "post":
            projections.append(projection)
        return find(self, filter, projection, *args, **kwargs)

    monkeypatch.setattr(EmbeddedCollection, "find", recording_find)
    assert client.get("/search?q=compost").status_code == 200
    lookup, page = projections
    assert set(lookup) == {"title_terms", "tag_terms", "published_at"}
    assert "html" in page and "content" not in page and "stemmed_text" not in page
