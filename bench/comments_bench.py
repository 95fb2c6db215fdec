"""A post's page as its comments grow: time and database operations, as a visitor and as
a moderator, with 0, 50 and 500 comments (the most the page shows), against the same
post with none measured in the same run. Not a test.

    python bench/comments_bench.py
"""
import os
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from blog import create_app, disconnect_db  # noqa: E402
from blog.models import Post, User  # noqa: E402
from blog.models.comment import Comment  # noqa: E402
from blog.services import audit  # noqa: E402

ROUNDS = 5
SIZES = (0, 50, 500)
OPERATIONS = "operations"
BODY = ("Thanks for this. The part about **caching** was the clearest I have read; see "
        "[the docs](https://example.com/docs) and `flask run`.")


def quickest(client, url):
    timings, operations = [], None
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, url
        operations = response.headers["Server-Timing"].split('desc="')[1].split(" ")[0]
    return min(timings), operations


def main():
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "CACHE_TYPE": "NullCache",
                      "MONGODB_URI": f"mongomock://bench-{uuid.uuid4().hex[:8]}",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "BCRYPT_ROUNDS": 4})
    with app.app_context(), audit.bulk("bench"):
        moderator = User(email="mod@example.com", name="Mo", role="moderator")
        moderator.set_password("bench password")
        moderator.save()
        people = [User(email=f"r{n}@example.com", name=f"Reader {n}",
                       password_hash="x").save() for n in range(20)]
        posts = {}
        for size in SIZES:
            post = Post(author=moderator, title=f"With {size} comments", content=BODY * 20,
                        status="published").save()
            top = None
            for number in range(size):
                comment = Comment(post=post, author=people[number % 20], body=BODY,
                                  parent=top if number % 3 else None,
                                  status="pending" if number % 10 == 9 else "visible").save()
                top = top if number % 3 else comment
            posts[size] = post.slug
    visitor = app.test_client()
    staff = app.test_client()
    staff.post("/auth/login", data={"email": "mod@example.com", "password": "bench password"})
    print(f"{'comments':>8}  {'visitor':>10}  {'ratio':>5}  {'moderator':>10}  {'ratio':>5}  "
          f"{OPERATIONS}")
    baseline = {}
    for size in SIZES:
        url = f"/posts/{posts[size]}"
        seen = []
        for name, client in (("visitor", visitor), ("moderator", staff)):
            seconds, operations = quickest(client, url)
            baseline.setdefault(name, seconds)
            seen.append((seconds, seconds / baseline[name], operations))
        print(f"{size:>8}  {seen[0][0] * 1000:8.1f} ms  {seen[0][1]:5.1f}  "
              f"{seen[1][0] * 1000:8.1f} ms  {seen[1][1]:5.1f}  {seen[0][2]} / {seen[1][2]}")
    disconnect_db(app)


if __name__ == "__main__":
    main()
