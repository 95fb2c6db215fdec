"""Revisions: every change to a post's title, text or tags keeps what it said before;
editors list them, compare one with the current text and restore it."""
import re

import pytest

from blog.models import AuditLog, Post
from blog.models.revision import Revision
from blog.services.audit import acting_as
from helpers import operations

EDIT = {"title": "First", "content": "Some words.", "tags": "ink", "status": "published"}


def edit(client, **fields):
    return client.post("/posts/first/edit", data={**EDIT, **fields})


@pytest.fixture
def writer(author, post, client_for):
    return client_for(author)


def test_each_change_keeps_the_previous_version(app, writer, author):
    edit(writer, content="Second words.")
    edit(writer, title="First, renamed", content="Second words.")
    edit(writer, title="First, renamed", content="Second words.", tags="ink, paper")
    with app.app_context():
        revisions = list(Revision.objects.order_by("number"))
    assert [(r.number, r.title, r.content, r.tags) for r in revisions] == [
        (1, "First", "Some words.", ["ink"]),
        (2, "First", "Second words.", ["ink"]),
        (3, "First, renamed", "Second words.", ["ink"]),
    ]
    assert {r.author_name for r in revisions} == {author.name}


def test_a_save_that_changes_no_text_keeps_no_revision(app, writer):
    edit(writer)
    edit(writer, status="archived")
    edit(writer, title="  First ", tags=" INK, ink")
    with app.app_context():
        assert Revision.objects.count() == 0


def test_the_list_shows_each_revision_to_editors_only(app, writer, client, client_for,
                                                      make_user):
    edit(writer, content="Second words.")
    edit(writer, title="Renamed", content="Second words.")
    page = writer.get("/posts/first/revisions").get_data(as_text=True)
    assert re.findall(r'/posts/first/revisions/(\d+)"', page) == ["2", "1"]
    for role in ("moderator", "admin"):
        editor = client_for(make_user(email=f"{role}@example.com", role=role))
        assert editor.get("/posts/first/revisions").status_code == 200
        assert editor.get("/posts/first/revisions/1").status_code == 200
    reader = client_for(make_user(email="reader@example.com"))
    assert reader.get("/posts/first/revisions").status_code == 403
    assert reader.get("/posts/first/revisions/1").status_code == 403
    assert reader.post("/posts/first/revisions/1/restore").status_code == 403
    assert client.get("/posts/first/revisions").status_code == 302


def test_a_revision_is_compared_word_by_word_with_the_current_text(writer):
    words = " ".join(f"word{i}" for i in range(60))
    edit(writer, content=f"Start {words} old ending.")
    edit(writer, title="First draft", content=f"Start {words} new ending.")
    page = writer.get("/posts/first/revisions/2").get_data(as_text=True)
    assert "<del>old</del><ins>new</ins>" in page
    assert "<ins> draft</ins>" in page
    # The long unchanged run is folded, not shown twice.
    assert 'class="diff-fold"' in page and "word10" not in page


def test_diffs_escape_what_the_text_holds(writer):
    edit(writer, content="<script>alert(1)</script> words")
    page = writer.get("/posts/first/revisions/1").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_restoring_makes_a_revision_current_and_keeps_the_replaced_text(app, writer, client):
    edit(writer, title="Renamed", content="Second words.", tags="paper")
    response = writer.post("/posts/first/revisions/1/restore", follow_redirects=True)
    assert "Revision 1 restored" in response.get_data(as_text=True)
    page = client.get("/posts/first").get_data(as_text=True)
    assert "Some words." in page and "Second words." not in page
    with app.app_context():
        post = Post.objects.get(slug="first")
        assert (post.title, post.tags) == ("First", ["ink"])
        newest = Revision.of(post).first()
        assert (newest.number, newest.title, newest.content) == (2, "Renamed", "Second words.")
        entry = AuditLog.objects(action="restore").get()
        assert entry.collection == "post" and entry.changes["title"] == ["Renamed", "First"]
    # Restoring the same revision again changes nothing.
    again = writer.post("/posts/first/revisions/1/restore", follow_redirects=True)
    assert "is the current text already" in again.get_data(as_text=True)
    with app.app_context():
        assert Revision.objects.count() == 2


def test_only_the_newest_revisions_are_kept(app, writer):
    app.config["REVISIONS_KEPT"] = 3
    for number in range(6):
        edit(writer, content=f"Version {number}.")
    with app.app_context():
        assert [r.number for r in Revision.objects.order_by("number")] == [4, 5, 6]
    assert writer.get("/posts/first/revisions/1").status_code == 404


def test_a_deleted_post_takes_its_revisions_with_it(app, writer, make_post, author):
    make_post(author, title="Other")
    edit(writer, content="Second words.")
    with app.app_context():
        other = Post.objects.get(slug="other")
        other.content = "Changed."
        other.save()
    writer.post("/posts/first/delete")
    with app.app_context():
        assert [r.post.title for r in Revision.objects] == ["Other"]


def test_a_command_line_change_is_kept_as_the_command_lines(app, post):
    with app.app_context(), acting_as("cli"):
        loaded = Post.objects.get(pk=post.pk)
        loaded.content = "Changed from a script."
        loaded.save()
        revision = Revision.objects.get()
        assert (revision.author, revision.author_name) == (None, "cli")


@pytest.mark.parametrize("path", ["/posts/first/revisions/7", "/posts/first/revisions/0",
                                  "/posts/first/revisions/x",
                                  "/posts/first/revisions/99999999999999999999",
                                  "/posts/nothing/revisions", "/posts/nothing/revisions/1"])
def test_missing_revisions_are_404(writer, path):
    assert writer.get(path).status_code == 404


def test_the_list_and_a_diff_cost_a_fixed_number_of_operations(writer):
    def costs():
        return (operations(writer.get("/posts/first/revisions")),
                operations(writer.get("/posts/first/revisions/1")))
    edit(writer, content="Version 0.")
    few = costs()
    for number in range(1, 12):
        edit(writer, content=f"Version {number}.")
    assert costs() == few
