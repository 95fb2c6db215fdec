"""The embedded store's shortcuts give what plain mongomock gives, doing less work."""
import re
from datetime import datetime, timedelta, timezone

import mongomock
import pytest
from bson import ObjectId

from blog.store.embedded import EmbeddedClient, EmbeddedCollection, EmbeddedCursor
from blog.store.plans import fields_read, selected_ids, simple_filter

START = datetime(2024, 1, 1, tzinfo=timezone.utc)
IDS = [ObjectId() for _ in range(30)]


def documents():
    return [{"_id": IDS[n], "n": n, "status": "published" if n % 3 else "draft",
             "tags": [f"t{n % 4}", f"t{n % 5}"], "profile": {"age": n, "nested": [{"a": n}]},
             "when": START + timedelta(days=n)} for n in range(30)]


@pytest.fixture
def stores():
    embedded = EmbeddedClient(tz_aware=True)["db"]["things"]
    plain = mongomock.MongoClient(tz_aware=True)["db"]["things"]
    for collection in (embedded, plain):
        collection.insert_many(documents())
    return embedded, plain


QUERIES = [
    ({}, None, None, 0, 0),
    ({"status": "published"}, [("n", -1)], None, 3, 5),
    ({"tags": {"$all": ["t1", "t2"]}}, [("when", 1)], {"n": 1}, 0, 0),
    ({"_id": {"$in": [IDS[4], IDS[2], IDS[4], ObjectId()]}}, [("n", 1)], None, 0, 0),
    ({"_id": {"$in": IDS[:10]}, "status": "draft"}, [("n", 1)], {"tags": 0}, 0, 2),
    ({"_id": IDS[7]}, None, {"profile.age": 1}, 0, 0),
    ({"_id": IDS[7], "status": "draft"}, None, None, 0, 0),
    ({"when": {"$gte": START + timedelta(days=20)}}, [("$natural", -1)], None, 1, 0),
    ({"_id": {"$in": [IDS[1]], "$nin": [IDS[1]]}}, None, None, 0, 0),
    ({"status": "published", "tags": {"$all": ["t1", "t2"]}}, [("n", -1)], None, 0, 0),
    ({"tags": {"$all": []}}, None, None, 0, 0),
    ({"tags": {"$in": ["t0", "t3"], "$nin": ["t1"]}}, [("n", 1)], None, 0, 0),
    ({"tags": "t2", "status": {"$ne": "draft"}}, [("when", -1)], None, 0, 0),
    ({"missing": {"$nin": ["x"]}, "n": 4}, None, None, 0, 0),
    ({"missing": {"$ne": "x"}, "tags": {"$nin": ["t0"]}}, None, None, 0, 0),
    ({"status": "published", "tags": {"$all": ["t1"], "$in": ["t4"]}}, None, None, 0, 0),
    ({"n": {"$in": [3, 4, 29]}}, [("status", 1), ("n", -1)], None, 0, 0),
]


@pytest.mark.parametrize("spec, sort, projection, skip, limit", QUERIES)
def test_find_gives_what_mongomock_gives(stores, spec, sort, projection, skip, limit):
    embedded, plain = stores
    results = []
    for collection in stores:
        cursor = collection.find(spec, projection, skip=skip, limit=limit)
        if sort:
            cursor = cursor.sort(sort)
        results.append(list(cursor))
    assert results[0] == results[1]


def test_a_pattern_on_a_unique_key_matches_rather_than_equals():
    collection = EmbeddedClient()["db"]["posts"]
    collection.create_index("slug", unique=True)
    collection.insert_many([{"slug": "brass-lantern"}, {"slug": "brass-lantern-2"},
                            {"slug": "copper"}])
    found = collection.find({"slug": re.compile(r"^brass\-lantern")})
    assert sorted(doc["slug"] for doc in found) == ["brass-lantern", "brass-lantern-2"]
    assert [doc["slug"] for doc in collection.find({"slug": "copper"})] == ["copper"]


def test_find_one_count_and_distinct_agree(stores):
    embedded, plain = stores
    for collection in stores:
        assert collection.find_one({"n": 5})["when"] == START + timedelta(days=5)
    assert embedded.count_documents({"tags": "t1"}) == plain.count_documents({"tags": "t1"})
    assert sorted(embedded.distinct("tags", {"status": "draft"})) == sorted(
        plain.distinct("tags", {"status": "draft"}))
    assert embedded.find({"n": {"$gt": 3}}).sort("n", 1)[2]["n"] == 6


def test_a_page_copies_only_the_documents_it_returns(stores, monkeypatch):
    embedded, _ = stores
    copied = []
    original = EmbeddedCollection.copy_documents
    monkeypatch.setattr(EmbeddedCollection, "copy_documents",
                        lambda self, docs, projection: copied.extend(docs) or original(
                            self, docs, projection))
    cursor = embedded.find({}).sort("n", -1).skip(10).limit(5)
    assert isinstance(cursor, EmbeddedCursor)
    assert [doc["n"] for doc in cursor] == [19, 18, 17, 16, 15]
    assert len(copied) == 5
    assert embedded.find_one({"status": "published"})["n"] == 1
    assert len(copied) == 6


def test_returned_documents_are_copies_with_aware_dates(stores):
    embedded, _ = stores
    found = embedded.find_one({"_id": IDS[3]})
    assert found["when"].tzinfo is not None
    found["tags"].append("changed")
    found["profile"]["nested"][0]["a"] = "changed"
    again = embedded.find_one({"_id": IDS[3]})
    assert again["tags"] == ["t3", "t3"] and again["profile"]["nested"] == [{"a": 3}]


PIPELINES = [
    [{"$match": {"status": "published"}}, {"$unwind": "$tags"},
     {"$group": {"_id": "$tags", "count": {"$sum": 1}}}, {"$sort": {"count": -1, "_id": 1}}],
    [{"$match": {"$or": [{"n": {"$lt": 5}}, {"profile.age": {"$gt": 25}}]}}, {"$count": "total"}],
    [{"$group": {"_id": {"$year": "$when"}, "ages": {"$avg": "$profile.age"}}}],
    [{"$match": {"status": "draft"}}, {"$group": {"_id": None, "all": {"$push": "$$ROOT"}}}],
    [{"$match": {"status": "draft"}}, {"$project": {"n": 1}}, {"$sort": {"n": -1}}],
    [{"$sort": {"n": -1}}, {"$limit": 3}],
    [{"$match": {"$expr": {"$gt": ["$n", 27]}}}, {"$group": {"_id": "$status", "n": {"$sum": "$n"}}}],
    [{"$unwind": "$tags"}, {"$group": {"_id": "$tags", "c": {"$sum": 1}, "n": {"$sum": "$n"},
                                       "mean": {"$avg": "$n"}, "none": {"$avg": "$missing"}}}],
    [{"$group": {"_id": "$status", "total": {"$sum": 2}}}, {"$sort": {"total": -1}}],
    [{"$unwind": "$tags"}, {"$group": {"_id": "$missing", "c": {"$sum": 1}}}],
    [{"$group": {"_id": "$tags", "c": {"$sum": 1}}}],
    [{"$group": {"_id": "$status", "m": {"$max": "$n"}}}],
    [{"$unwind": "$missing"}, {"$count": "left"}],
]


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_aggregate_gives_what_mongomock_gives(stores, pipeline):
    embedded, plain = stores
    assert list(embedded.aggregate(pipeline)) == list(plain.aggregate(pipeline))


def test_fields_read_only_when_the_pipeline_says_so():
    assert fields_read(PIPELINES[0]) == {"_id", "status", "tags"}
    assert fields_read(PIPELINES[1]) == {"_id", "n", "profile"}
    assert fields_read(PIPELINES[3]) is None
    assert fields_read(PIPELINES[4]) is None
    assert fields_read(PIPELINES[5]) is None
    assert fields_read([{"$match": {"$where": "true"}}, {"$count": "n"}]) is None


def test_selected_ids():
    assert selected_ids({"_id": IDS[0], "x": 1}) == [IDS[0]]
    assert selected_ids({"_id": {"$in": [IDS[0], IDS[0], IDS[1]]}}) == [IDS[0], IDS[1]]
    assert selected_ids({"_id": {"$gt": IDS[0]}}) is None
    assert selected_ids({"_id": True}) is None
    assert selected_ids({"_id": {"a": 1}}) is None
    assert selected_ids({"n": 1}) is None


def test_date_ranges_match_what_mongomock_matches():
    embedded = EmbeddedClient(tz_aware=True)["db"]["dated"]
    plain = mongomock.MongoClient(tz_aware=True)["db"]["dated"]
    dated = [{"n": 0, "when": None}, {"n": 1}, {"n": 2, "when": "2024-01-05"}, {"n": 3, "when": 5},
             {"n": 4, "when": [START, START + timedelta(days=31)]},
             {"n": 5, "when": START + timedelta(days=4, microseconds=999)},
             {"n": 6, "when": START + timedelta(days=5), "status": "published"},
             {"n": 7, "when": START + timedelta(days=3), "status": "published"}]
    for collection in (embedded, plain):
        collection.insert_many([dict(document) for document in dated])
    bound = START + timedelta(days=4, microseconds=500)
    for spec in ({"when": {"$lte": bound}}, {"when": {"$lt": bound}}, {"when": {"$gt": bound}},
                 {"when": {"$gte": bound}}, {"when": {"$gt": START, "$lt": bound}},
                 {"status": "published", "when": {"$lte": bound.replace(tzinfo=None)}},
                 {"when": {"$lte": bound}, "n": {"$nin": [5]}}):
        found = [[doc["n"] for doc in collection.find(spec).sort("n", 1)]
                 for collection in (embedded, plain)]
        assert found[0] == found[1], spec
        assert embedded.count_documents(spec) == plain.count_documents(spec)
        assert simple_filter(spec) is not None, "the visible posts' lookup takes the short cut"


def test_lookups_by_a_unique_key_follow_every_write():
    embedded = EmbeddedClient()["db"]["posts"]
    plain = mongomock.MongoClient()["db"]["posts"]
    for collection in (embedded, plain):
        collection.create_index("slug", unique=True)
        collection.insert_many([{"_id": n, "slug": f"post-{n}", "status": "published"}
                                for n in range(5)])
    writes = [
        lambda c: c.update_one({"_id": 1}, {"$set": {"slug": "renamed"}}),
        lambda c: c.delete_one({"slug": "post-2"}),
        lambda c: c.insert_one({"_id": 9, "slug": "post-1", "status": "draft"}),
        lambda c: c.update_many({}, {"$set": {"status": "archived"}}),
    ]
    lookups = [{"slug": "post-1"}, {"slug": "renamed"}, {"slug": "post-2"},
               {"slug": "post-3", "status": "published"}, {"slug": "missing"}]
    for write in [None, *writes]:
        for collection in (embedded, plain):
            if write:
                write(collection)
        for lookup in lookups:
            assert list(embedded.find(lookup)) == list(plain.find(lookup)), lookup
            assert embedded.count_documents(lookup) == plain.count_documents(lookup)



def test_unique_values_hold_through_changes_of_the_value():
    embedded = EmbeddedClient()["db"]["users"]
    embedded.create_index("email", unique=True)
    embedded.insert_many([{"_id": 1, "email": "a@x"}, {"_id": 2, "email": "b@x"}])
    embedded.update_one({"_id": 1}, {"$set": {"email": "c@x"}})
    embedded.insert_one({"_id": 3, "email": "a@x"})  # free again
    with pytest.raises(mongomock.DuplicateKeyError):
        embedded.insert_one({"_id": 4, "email": "c@x"})
    with pytest.raises(mongomock.DuplicateKeyError):
        embedded.update_one({"_id": 2}, {"$set": {"email": "a@x"}})
    embedded.delete_one({"_id": 2})
    embedded.insert_one({"_id": 5, "email": "b@x"})
    embedded.replace_one({"_id": 5}, {"email": "d@x"})
    embedded.insert_one({"_id": 6, "email": "b@x"})
    assert sorted((doc["_id"], doc["email"]) for doc in embedded.find()) == [
        (1, "c@x"), (3, "a@x"), (5, "d@x"), (6, "b@x")]
