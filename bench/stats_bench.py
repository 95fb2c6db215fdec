"""The admin statistics and the tag counts: from the counters, against reading every post.

Seeds an in-memory blog with ``flask seed demo`` at each size, then times, in
the same run, what the dashboard and the home page's tags cost now (a few
hundred counters, corrected for scheduled posts) and what they cost when each
figure was an aggregation over every post and user (the baseline: the
pipelines the statistics ran before the counters, inlined here). Prints the
median of ``--repeat`` runs of each, the ratio, and how many documents each
reads. Not a test.

    python bench/stats_bench.py [--posts 1000 10000] [--repeat 5]
"""
import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from blog import create_app, disconnect_db  # noqa: E402
from blog.models import Post, User  # noqa: E402
from blog.models.base import utcnow  # noqa: E402
from blog.models.counter import Counter  # noqa: E402
from blog.services import counts  # noqa: E402
from blog.services.stats import compute_stats  # noqa: E402


def scanned_stats(now):
    """Every figure as one aggregation over the posts or users (the baseline)."""
    visible = Post.objects.visible(now)
    window = {"$gte": datetime(now.year - 2, now.month, 1, tzinfo=timezone.utc), "$lt": now}

    def by_month(field, **more):
        return {"year": {"$year": f"${field}"}, "month": {"$month": f"${field}"}, **more}
    return [
        list(Post.objects.aggregate([{"$group": {"_id": "$status", "count": {"$sum": 1}}}])),
        list(visible.aggregate([{"$unwind": "$tags"}, {"$group": {"_id": "$tags"}},
                                {"$count": "tags"}])),
        list(User.objects.aggregate([{"$group": {"_id": "$role", "count": {"$sum": 1},
                                                 "age": {"$avg": "$profile.age"}}}])),
        list(visible.aggregate([{"$match": {"published_at": window}},
                                {"$group": {"_id": by_month("published_at"),
                                            "count": {"$sum": 1}}}])),
        list(Post.objects.aggregate([{"$match": {"created_at": window}},
                                     {"$group": {"_id": by_month("created_at", status="$status"),
                                                 "count": {"$sum": 1}}}])),
        scanned_tag_counts(now),
        list(visible.aggregate([{"$group": {"_id": "$author", "count": {"$sum": 1}}},
                                {"$sort": {"count": -1, "_id": 1}}, {"$limit": 10}])),
        list(User.objects.aggregate([{"$match": {"created_at": window}},
                                     {"$group": {"_id": by_month("created_at"),
                                                 "count": {"$sum": 1}}}])),
    ]


def scanned_tag_counts(now):
    return list(Post.objects.visible(now).aggregate([
        {"$unwind": "$tags"}, {"$group": {"_id": "$tags", "count": {"$sum": 1}}},
        {"$sort": {"count": -1, "_id": 1}}]))


def median_ms(work, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(posts, repeat):
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "BCRYPT_ROUNDS": 4,
                      "MONGODB_URI": f"mongomock://bench-{uuid.uuid4().hex[:8]}",
                      "CACHE_TYPE": "NullCache"})
    try:
        result = app.test_cli_runner().invoke(args=["seed", "demo", "--posts", str(posts),
                                                    "--users", str(max(10, posts // 25)),
                                                    "--seed", "1", "--yes"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            now = utcnow()
            rows = [
                ("dashboard statistics", lambda: compute_stats(now),
                 lambda: scanned_stats(now)),
                ("tag counts (home page)", counts.tag_counts,
                 lambda: scanned_tag_counts(now)),
            ]
            documents = Post.objects.count() + User.objects.count()
            for name, counted, scanned in rows:
                new, old = median_ms(counted, repeat), median_ms(scanned, repeat)
                print(f"{posts:>7} posts  {name:<24} counters {new:8.1f} ms   every post "
                      f"{old:8.1f} ms   {old / new:6.1f}x", flush=True)
            print(f"{posts:>7} posts  documents read: counters {Counter.objects.count()} "
                  f"(all of them, at most), every post {documents} per figure", flush=True)
    finally:
        disconnect_db(app)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    for posts in arguments.posts:
        measure(posts, arguments.repeat)


if __name__ == "__main__":
    main()
