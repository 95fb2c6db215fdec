"""Every page costs a fixed number of database operations, however long it is.

The operations are counted on mongomock's collections themselves, not through
the app's own instrumentation.
"""
import functools

import mongomock
import pytest

from blog.models import Post, User
from blog.models.comment import Comment

OPERATIONS = ("find", "find_one", "count_documents", "aggregate", "distinct", "insert_one",
              "update_one", "update_many", "replace_one", "delete_one", "delete_many",
              "find_one_and_update")


@pytest.fixture
def count_operations(monkeypatch):
    calls = []
    depth = [0]

    def counting(name, method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            if depth[0] == 0:
                calls.append((self.name, name))
            depth[0] += 1
            try:
                return method(self, *args, **kwargs)
            finally:
                depth[0] -= 1
        return run

    classes = {cls for cls in mongomock.Collection.__subclasses__()} | {mongomock.Collection}
    for cls in classes:
        for name in OPERATIONS:
            if name in vars(cls):
                monkeypatch.setattr(cls, name, counting(name, vars(cls)[name]))

    def count(client, url):
        client.get(url)  # warm: first use of a collection creates its indexes
        calls.clear()
        response = client.get(url)
        assert response.status_code == 200, url
        return len(calls)
    return count


@pytest.fixture
def site(app, make_user, make_post):
    author = make_user(email="author@example.com", name="Author")
    others = [make_user(email=f"other{n}@example.com") for n in range(5)]

    def fill(count):
        for number in range(count):
            writer = author if number % 2 else others[number % 5]
            post = make_post(writer, title=f"Post {number}", tags=["shared", f"t{number % 7}"],
                             content=f"Body {number} with words.")
            add_comments(app, post, count // 5 + 1)
        return author
    return fill


def add_comments(app, post, count):
    """``count`` comments on ``post`` by everyone in turn, replies among them, some of
    them waiting for a moderator (the author's own, whom the page shows them to)."""
    with app.app_context():
        people = list(User.objects.order_by("email"))
        top = None
        for number in range(count):
            comment = Comment(post=post, author=people[number % len(people)],
                              body=f"Comment {number}", parent=top if number % 3 else None,
                              status="pending" if number % 4 == 1 else "visible")
            comment.save()
            top = top or comment


PAGES = ["/", "/tags/shared", "/tags/", "/users/{author}", "/posts/post-1", "/feed.atom",
         "/tags/shared/feed.atom", "/api/posts?limit=50", "/search?q=words",
         "/api/posts/post-1/comments?limit=50", "/admin/comments"]


@pytest.mark.parametrize("logged_in", [False, True])
def test_pages_cost_the_same_with_5_or_50_posts(app, client, auth, site, count_operations,
                                               logged_in):
    author = site(5)
    if logged_in:
        with app.app_context():
            User.objects(email="author@example.com").update_one(set__role="moderator")
        auth.login(email="author@example.com")
    pages = [url for url in PAGES if logged_in or not url.startswith("/admin/")]
    few = {url: count_operations(client, url.format(author=author.pk)) for url in pages}
    site(45)
    with app.app_context():
        add_comments(app, Post.objects(slug="post-1").get(), 40)
    many = {url: count_operations(client, url.format(author=author.pk)) for url in pages}
    assert few == many
    assert max(many.values()) <= 6


def test_the_uploads_page_and_images_cost_the_same_with_2_or_20_uploads(
        app, client, auth, make_user, make_post, count_operations):
    from images import image_bytes, upload
    owner = make_user(email="ann@example.com", name="Ann")
    auth.login()

    def add(count):
        for number in range(count):
            data = client.post("/media", data={"file": upload(image_bytes("PNG", 40 + number, 30))},
                               headers={"Accept": "application/json"}).get_json()["data"]
            make_post(owner, title=f"Showing {number}", content=data["markdown"])
        return data
    first = add(2)
    urls = ["/media", first["url"], first["thumbnailUrl"]]
    few = {url: count_operations(client, url) for url in urls}
    add(18)
    many = {url: count_operations(client, url) for url in urls}
    assert few == many
    # The image's description, GridFS's file and its chunks (the login's user aside).
    assert many[first["url"]] <= 4 and many["/media"] <= 8
    visitor = app.test_client()
    visitor.get(first["url"])
    assert count_operations(visitor, first["url"]) == 3
