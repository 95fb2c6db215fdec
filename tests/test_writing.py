"""The writer's tools around a post: deleting with a confirmation first."""
from blog.models import Post
from blog.models.revision import Revision


def test_delete_asks_first_naming_what_goes_with_the_post(app, author, post, client_for):
    writer = client_for(author)
    with app.app_context():
        for words in ("Second words.", "Third words."):
            loaded = Post.objects.get(pk=post.pk)
            loaded.content = words
            loaded.save()
    show = writer.get("/posts/first").get_data(as_text=True)
    assert 'href="/posts/first/delete"' in show
    confirm = writer.get("/posts/first/delete")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Delete “First”?" in page and "2 earlier versions (revisions)" in page
    assert 'action="/posts/first/delete" method="post"' in page
    with app.app_context():
        assert Post.objects.count() == 1, "asking deletes nothing"
    response = writer.post("/posts/first/delete", follow_redirects=True)
    assert "“First” was deleted." in response.get_data(as_text=True)
    with app.app_context():
        assert Post.objects.count() == 0 and Revision.objects.count() == 0


def test_only_the_author_and_admins_see_the_delete_page(client, author, post, make_user,
                                                        client_for):
    moderator = client_for(make_user(email="mod@example.com", role="moderator"))
    assert moderator.get("/posts/first/delete").status_code == 403
    assert client_for(make_user(email="admin2@example.com", role="admin")).get(
        "/posts/first/delete").status_code == 200
    assert client.get("/posts/first/delete").status_code == 302
