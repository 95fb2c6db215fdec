"""The search page, through the test client, against a fixed corpus (search_corpus.py)."""
import re
from html import unescape

import pytest

from blog import create_app
from blog.models import Post
from conftest import make_config
from search_corpus import PUBLISHED, load_corpus, slug, slugs

RESULT = re.compile(r'<h2 class="card-title"><a href="/posts/([^"]+)">')


@pytest.fixture
def corpus(app):
    return load_corpus(app)


def search(client, q, **params):
    return client.get("/search", query_string={"q": q, **params})


def found(client, q, **params):
    response = search(client, q, **params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return RESULT.findall(response.get_data(as_text=True))


def text(response):
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.mark.parametrize("q, expected", [
    ("cafe", ["cafe-lisbon", "naive-coffee"]),
    ("CAFÉ", ["cafe-lisbon", "naive-coffee"]),
    ("Naïve", ["naive-coffee"]),
    ("PASTEIS", ["cafe-lisbon"]),
])
def test_case_and_accents_do_not_matter(client, corpus, q, expected):
    assert found(client, q) == slugs(*expected)


def test_stemming_finds_other_forms_of_a_word(client, corpus):
    assert found(client, "running") == slugs("runs-river", "started-running", "training-diary")
    assert found(client, "runs") == found(client, "run") == found(client, "running")


def test_words_split_on_anything_but_letters_and_digits(client, corpus):
    expected = slugs("engine-tuning", "data-mapping")
    assert found(client, "mongo-engine") == expected
    assert found(client, "mongo engine") == expected
    assert found(client, "mongo.engine") == expected
    assert found(client, "mongoengine") == slugs("mappers")


def test_stop_words_are_ignored(client, corpus):
    assert found(client, "the cafe of") == found(client, "cafe")


def test_all_words_must_match(client, corpus):
    assert found(client, "flask") == slugs("flask-deploy", "flask-views")
    assert found(client, "flask testing") == slugs("flask-views")
    assert found(client, "flask heron") == []


def test_quoted_phrase_matches_adjacent_words_in_order(client, corpus):
    assert found(client, '"green tea"') == slugs("green-tea")
    assert found(client, '"tea green"') == slugs("tea-gardeners")
    assert found(client, '"cat in the hat"') == slugs("cat-hat")
    assert found(client, "cat hat") == slugs("costumes", "cat-hat")
    assert found(client, '"cat hat"') == slugs("costumes")


def test_exclusions_leave_posts_out(client, corpus):
    assert found(client, "tea -green") == slugs("oolong")
    assert found(client, "tea -black") == slugs("tea-gardeners", "green-tea", "oolong")
    assert found(client, 'tea -"green tea"') == slugs("green-black", "tea-gardeners", "oolong")


def test_tag_restricts_to_a_tag(client, corpus):
    assert found(client, "green") == slugs("green-garden", "green-black", "green-tea",
                                           "tea-gardeners")
    assert found(client, "green tag:tea") == slugs("green-black", "green-tea", "tea-gardeners")
    assert found(client, "green -tag:tea") == slugs("green-garden")
    assert found(client, 'tag:"Machine Learning" gradient') == slugs("gradient")
    assert found(client, "tag:python") == slugs("gradient", "flask-deploy", "flask-views",
                                                "mappers", "data-mapping")


def test_title_beats_tags_beats_body_whatever_the_dates(client, corpus):
    assert found(client, "compost") == slugs("tomatoes", "compost-basics", "heap-trouble",
                                             "kitchen-scraps", "weekend-jobs")


def test_more_query_words_in_the_title_rank_higher(client, corpus):
    assert found(client, "compost heap") == slugs("heap-trouble", "tomatoes", "weekend-jobs")
    assert found(client, "green tea") == slugs("green-black", "green-tea", "tea-gardeners")


def test_pages_of_ten_newest_first_on_ties_with_no_post_twice(client, corpus):
    first = found(client, "harbour")
    second = found(client, "harbour", page=2)
    assert first == slugs(*(f"harbour-{week}" for week in range(13, 3, -1)))
    assert second == slugs("harbour-3", "harbour-2", "harbour-1")
    response = search(client, "harbour", page=2)
    assert "13 posts match" in text(response)
    assert 'href="/search?q=harbour&amp;page=1"' in response.get_data(as_text=True)
    assert search(client, "harbour", page=3).status_code == 404


def test_only_published_posts_are_found(client, corpus):
    for q in ("compost", "harbour", "heron", '"green tea"', "secrets", "unsent", "archive"):
        assert set(found(client, q)) <= PUBLISHED
    assert found(client, "secrets") == []


def test_a_result_shows_title_author_date_tags_and_marked_snippet(client, corpus):
    response = search(client, "heron")
    body = response.get_data(as_text=True)
    card = body[body.index('<article class="card">'):body.index("</article>")]
    assert "Notes from a long walk" in card
    assert "Bob Baker" in card
    assert "30 April 2024" in card
    assert 'href="/tags/walking"' in card
    snippet = re.search(r'<p class="excerpt">(.*?)</p>', card, re.S)[1]
    assert "a <mark>heron</mark> stood in the shallows" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert len(snippet.split()) == 30 + 2


def test_snippets_escape_the_text_before_marking(client, corpus):
    body = search(client, "<script>").get_data(as_text=True)
    assert RESULT.findall(body) == slugs("long-walk")
    assert "<script>" not in body
    assert "&lt;<mark>script</mark>&gt;alert(&#34;x&#34;)&lt;/<mark>script</mark>&gt;" in body


@pytest.mark.parametrize("q, message", [
    ("", "Type a few words to search the posts."),
    ("   ", "Type a few words to search the posts."),
    ("the and of", "only has very common words"),
    ("-tea -green", "at least one word to look for"),
    ("the -tea", "at least one word to look for"),
    (".*", "no letters or digits"),
])
def test_nothing_to_search_for_gets_a_message_not_posts(client, corpus, q, message):
    response = search(client, q)
    assert response.status_code == 200
    assert message in text(response)
    assert RESULT.findall(response.get_data(as_text=True)) == []


def test_the_page_without_a_query_is_the_search_form(client, corpus):
    response = client.get("/search")
    assert response.status_code == 200
    assert "Type a few words to search the posts." in text(response)


@pytest.mark.parametrize("q, message", [
    (".*", "no letters or digits"),
    ("(a+)+$", "very common words"),
    ("[", "no letters or digits"),
    ("\\", "no letters or digits"),
    ('{"$gt": ""}', "0 posts match"),
    ("$where", "very common words"),
    ('{"$ne": null}', "0 posts match"),
    ("heron$", "1 post matches"),
])
def test_operators_and_patterns_are_searched_as_plain_text(client, corpus, q, message):
    response = search(client, q)
    assert response.status_code == 200
    assert message in text(response)


def test_a_query_over_200_characters_is_refused(client, corpus):
    assert search(client, "heron " + "x" * 194).status_code == 200
    response = search(client, "heron " + "x" * 195)
    assert response.status_code == 400
    assert "at most 200 characters" in text(response)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "1e3", "９", "", "9999999999", "\x00"])
def test_a_bad_page_number_is_a_400(client, corpus, page):
    assert search(client, "harbour", page=page).status_code == 400


def test_the_header_search_box_sends_q_to_the_search_page(client, corpus):
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<form class="search-box" action="/search" method="get"', home)
    assert 'name="q"' in home
    page = search(client, '"<b>tea"').get_data(as_text=True)
    assert 'value="&#34;&lt;b&gt;tea&#34;"' in page


def test_an_edit_changes_what_finds_a_post_at_once(client, auth, corpus):
    auth.login("bob@example.com")
    response = client.post(f"/posts/{slug('heap-trouble')}/edit", data={
        "title": "Mulch troubleshooting", "content": "A cold pile needs more nitrogen.",
        "tags": "soil", "status": "published"})
    assert response.status_code == 302
    assert found(client, "mulch") == slugs("heap-trouble")
    assert found(client, "compost heap") == slugs("tomatoes", "weekend-jobs")

    client.post(f"/posts/{slug('heap-trouble')}/edit", data={
        "title": "Mulch troubleshooting", "content": "", "tags": "soil", "status": "draft"})
    assert found(client, "mulch") == []


def test_a_deleted_post_is_no_longer_found(client, auth, corpus):
    auth.login("bob@example.com")
    assert client.post(f"/posts/{slug('compost-basics')}/delete").status_code == 302
    assert found(client, "compost") == slugs("tomatoes", "heap-trouble", "kitchen-scraps",
                                             "weekend-jobs")


def test_reindex_rebuilds_the_stored_terms(app, client, runner, corpus):
    with app.app_context():
        Post.objects.update(set__search_terms=[], set__title_terms=[], set__tag_terms=[],
                            set__stemmed_text="")
        before = Post.objects(slug=slug("green-tea")).first().updated_at
    assert found(client, "compost") == []
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Reindexed 41 posts." in result.output
    assert found(client, "compost") == slugs("tomatoes", "compost-basics", "heap-trouble",
                                             "kitchen-scraps", "weekend-jobs")
    assert found(client, '"green tea"') == slugs("green-tea")
    with app.app_context():
        assert Post.objects(slug=slug("green-tea")).first().updated_at == before


class TestRankingIsBoundedByTheCandidates:
    """SEARCH_CANDIDATES: a search ranks only its newest matches, and says there are more."""

    @pytest.fixture
    def app_config(self):
        return {"SEARCH_CANDIDATES": 3}

    def test_the_newest_matches_are_ranked_and_the_count_says_there_are_more(self, client,
                                                                             corpus):
        # Five posts match; the two oldest (both title matches) are not among the newest three.
        assert found(client, "compost") == slugs("tomatoes", "kitchen-scraps", "weekend-jobs")
        page = text(search(client, "compost"))
        assert "3+ posts match" in page
        assert "Only the 3 newest matches are ranked" in page
        assert search(client, "compost", page=2).status_code == 404
        body = client.get("/api/posts", query_string={"q": "compost"}).json
        assert [item["slug"] for item in body["data"]] == found(client, "compost")
        assert body["metadata"]["total"] == 3

    def test_up_to_as_many_matches_as_candidates_are_counted_exactly(self, client, corpus):
        assert found(client, "flask") == slugs("flask-deploy", "flask-views")
        page = text(search(client, "flask"))
        assert "2 posts match" in page and "newest matches" not in page
        assert found(client, "green tag:tea") == slugs("green-black", "green-tea",
                                                       "tea-gardeners")
        page = text(search(client, "green tag:tea"))
        assert "3 posts match" in page and "newest matches" not in page


def test_the_number_of_candidates_must_be_a_positive_whole_number():
    for bad in (0, -5, "many", True):
        with pytest.raises(RuntimeError, match="SEARCH_CANDIDATES must be a whole number"):
            create_app(make_config(SEARCH_CANDIDATES=bad))
