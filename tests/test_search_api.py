"""``GET /api/posts?q=``: the same search, in the API's shape."""
import pytest

from search_corpus import load_corpus, slugs


@pytest.fixture
def corpus(app):
    return load_corpus(app)


def api(client, **params):
    response = client.get("/api/posts", query_string=params)
    return response.status_code, response.get_json()


def test_results_are_ranked_with_the_total(client, corpus):
    status, body = api(client, q="compost")
    assert status == 200 and body["success"] is True
    assert [post["slug"] for post in body["data"]] == slugs(
        "tomatoes", "compost-basics", "heap-trouble", "kitchen-scraps", "weekend-jobs")
    assert body["metadata"] == {"total": 5, "page": 1, "limit": 10, "totalPages": 1}
    assert set(body["data"][0]) == {"id", "slug", "title", "excerpt", "tags", "status", "author",
                                    "createdAt", "updatedAt", "publishedAt", "commentCount"}


def test_pages_follow_the_ranking(client, corpus):
    _, second = api(client, q="compost", page=2, limit=2)
    assert [post["slug"] for post in second["data"]] == slugs("heap-trouble", "kitchen-scraps")
    assert second["metadata"] == {"total": 5, "page": 2, "limit": 2, "totalPages": 3}
    assert api(client, q="compost", page=4, limit=2)[0] == 404


def test_tag_and_author_filters_still_apply(client, corpus):
    _, tagged = api(client, q="compost", tag="soil")
    assert [post["slug"] for post in tagged["data"]] == slugs(
        "tomatoes", "compost-basics", "heap-trouble", "weekend-jobs")
    _, by_bob = api(client, q="compost", author=str(corpus["bob"].pk))
    assert [post["slug"] for post in by_bob["data"]] == slugs("compost-basics", "heap-trouble")


def test_nothing_to_search_for_is_no_posts(client, corpus):
    for q in ("the", "-compost", '{"$gt": ""}', ".*"):
        status, body = api(client, q=q)
        assert status == 200
        assert body["data"] == [] and body["metadata"]["total"] == 0


def test_without_q_the_list_is_unchanged(client, corpus):
    _, body = api(client, q="", limit=3)
    assert [post["slug"] for post in body["data"]] == slugs("long-walk", "harbour-13",
                                                            "harbour-12")
    assert body["metadata"]["total"] == 38


def test_a_long_query_is_a_json_400(client, corpus):
    status, body = api(client, q="x" * 201)
    assert status == 400
    assert body["success"] is False and "at most 200 characters" in body["error"]["message"]
