"""Cover images on posts and avatars on people, on every page that shows them; the uploads
an account or a post takes with it; the data export's list of uploads."""
import io
import json
import re

import pytest
from mongoengine.connection import get_db
from PIL import Image as PillowImage

from blog.models import Post, User
from blog.models.comment import Comment
from blog.models.image import Image
from conftest import PASSWORD
from images import image_bytes, opened, upload

MEDIA = re.compile(r"/media/([0-9a-f]{24})")


@pytest.fixture
def ann_client(ann, client_for):
    return client_for(ann)


def write(client, cover=None, **fields):
    data = {"title": "With a cover", "content": "Words.", "tags": "", "status": "published",
            **fields}
    if cover is not None:
        data["cover"] = upload(cover, "cover.jpg")
    return client.post("/posts/new", data=data, content_type="multipart/form-data")


def cover_id(app, title="With a cover"):
    with app.app_context():
        return Post.objects.get(title=title).cover_id


def test_a_cover_shows_on_the_post_its_card_and_when_shared(app, ann_client, client):
    response = write(ann_client, image_bytes("JPEG", 1800, 900))
    assert response.status_code == 302
    image_id = cover_id(app)
    assert image_id
    post_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<figure class="cover"><img src="/media/{image_id}" alt=""></figure>' in post_page
    assert f'<meta property="og:image" content="http://localhost/media/{image_id}">' in post_page
    assert 'content="summary_large_image"' in post_page
    with app.app_context():
        author_id = Post.objects.get().author.pk
    for listing in ("/", f"/users/{author_id}"):
        page = client.get(listing).get_data(as_text=True)
        assert f'src="/media/{image_id}/thumb"' in page, listing
    assert opened(client.get(f"/media/{image_id}").data).size == (1600, 800)


def test_a_post_without_a_cover_has_no_image_meta(app, ann_client, client):
    response = write(ann_client)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "og:image" not in page and 'class="cover"' not in page


def test_a_cover_is_replaced_and_removed_and_the_old_one_deleted(app, ann_client):
    write(ann_client, image_bytes("JPEG"))
    first = cover_id(app)
    with app.app_context():
        slug = Post.objects.get().slug
    form = {"title": "With a cover", "content": "Words.", "tags": "", "status": "published"}
    edit_page = ann_client.get(f"/posts/{slug}/edit").get_data(as_text=True)
    assert f"/media/{first}/thumb" in edit_page and 'name="remove_cover"' in edit_page
    assert ann_client.post(f"/posts/{slug}/edit", data={**form, "cover": upload(
        image_bytes("PNG"), "new.png")}, content_type="multipart/form-data").status_code == 302
    second = cover_id(app)
    assert second and second != first
    assert ann_client.get(f"/media/{first}").status_code == 404, "the old cover went"
    assert ann_client.post(f"/posts/{slug}/edit", data={**form, "remove_cover": "y"},
                           content_type="multipart/form-data").status_code == 302
    assert cover_id(app) is None
    assert ann_client.get(f"/media/{second}").status_code == 404
    with app.app_context():
        assert Image.objects.count() == 0


@pytest.mark.parametrize("data, status", [(b"<svg/>", 400), (b"plain words", 400)])
def test_a_bad_cover_keeps_the_form_and_writes_nothing(app, ann_client, data, status):
    response = write(ann_client, data, title="Kept title")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert "not a PNG, JPEG, GIF or WebP" in page and 'value="Kept title"' in page
    with app.app_context():
        assert Post.objects.count() == 0 and Image.objects.count() == 0


def test_a_cover_with_a_post_that_cannot_be_saved_is_not_kept(app, ann_client):
    response = write(ann_client, image_bytes(), title="   ")
    assert response.status_code == 400
    with app.app_context():
        assert Post.objects.count() == 0 and Image.objects.count() == 0
        assert get_db()["images.files"].count_documents({}) == 0


@pytest.mark.parametrize("app_config", [{"MAX_IMAGE_BYTES": 3_000_000}])
def test_an_image_over_the_form_limit_of_a_megabyte_is_accepted(app, ann_client):
    noisy = PillowImage.effect_noise((1000, 800), 90).convert("RGB")
    output = io.BytesIO()
    noisy.save(output, "PNG")
    assert 1_100_000 < len(output.getvalue()) < 3_000_000
    assert write(ann_client, output.getvalue()).status_code == 302
    assert cover_id(app)


def avatar_upload(client, data, **fields):
    return client.post("/settings/profile", data={
        "name": "Ann Avatar", "bio": "", "age": "", "website": "",
        **({"avatar": upload(data, "me.jpg")} if data is not None else {}), **fields},
        content_type="multipart/form-data")


def test_an_avatar_is_cropped_square_and_shown_everywhere(app, ann, ann_client, client,
                                                          make_post, admin, client_for):
    assert avatar_upload(ann_client, image_bytes("JPEG", 900, 500)).status_code == 302
    with app.app_context():
        avatar_id = User.objects.get(pk=ann.pk).avatar_id
    assert avatar_id
    assert opened(client.get(f"/media/{avatar_id}").data).size == (256, 256)
    post = make_post(User.objects.get(pk=ann.pk), title="By Ann")
    with app.app_context():
        comment = Comment(post=post, author=ann, body="A comment of Ann's.", status="visible")
        comment.save()
    tag = f'src="/media/{avatar_id}"'
    post_page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    assert tag in post_page
    on_comment = re.search(rf'id="comment-{comment.pk}".*?</li>', post_page, re.S)[0]
    assert tag in on_comment, "the avatar shows on the comment too"
    assert tag in client.get(f"/users/{ann.pk}").get_data(as_text=True)
    assert tag in client.get("/").get_data(as_text=True)
    assert tag in client_for(admin).get("/admin/users").get_data(as_text=True)
    assert tag in ann_client.get("/settings/profile").get_data(as_text=True)


def test_without_an_avatar_the_initials_are_drawn_in_the_page(app, make_user, client,
                                                              make_post):
    writer = make_user(email="grace@example.com", name="Grace Brewster Hopper")
    post = make_post(writer, title="Compilers")
    page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    drawn = re.search(r'<svg class="avatar"[^>]*>.*?</svg>', page, re.S)[0]
    assert ">GH</text>" in drawn and 'aria-hidden="true"' in drawn
    assert "http" not in drawn.replace('xmlns="http://www.w3.org/2000/svg"', "")
    profile = client.get(f"/users/{writer.pk}").get_data(as_text=True)
    assert ">GH</text>" in profile


def test_an_avatar_is_replaced_and_removed(app, ann, ann_client):
    avatar_upload(ann_client, image_bytes("PNG"))
    with app.app_context():
        first = User.objects.get(pk=ann.pk).avatar_id
    avatar_upload(ann_client, image_bytes("GIF"))
    with app.app_context():
        second = User.objects.get(pk=ann.pk).avatar_id
    assert second != first and ann_client.get(f"/media/{first}").status_code == 404
    assert avatar_upload(ann_client, None, remove_avatar="y").status_code == 302
    with app.app_context():
        assert User.objects.get(pk=ann.pk).avatar_id is None
        assert Image.objects.count() == 0


def test_a_bad_avatar_keeps_the_profile_as_it_was(app, ann, ann_client):
    response = avatar_upload(ann_client, b"GIF89a not really")
    assert response.status_code == 400
    assert "not a PNG, JPEG, GIF or WebP" in response.get_data(as_text=True)
    with app.app_context():
        user = User.objects.get(pk=ann.pk)
        assert user.name == "Ann" and user.avatar_id is None


def test_deleting_an_account_deletes_its_unused_uploads(app, ann, bob, ann_client, make_post):
    avatar_upload(ann_client, image_bytes())
    used_by_bob = ann_client.post("/media", data={"file": upload(image_bytes("JPEG"))},
                                  headers={"Accept": "application/json"}).get_json()["data"]
    unused = ann_client.post("/media", data={"file": upload(image_bytes("GIF"))},
                             headers={"Accept": "application/json"}).get_json()["data"]
    make_post(bob, title="Bob quotes Ann's picture", content=used_by_bob["markdown"])
    response = ann_client.post("/settings/delete", data={"password": PASSWORD,
                                                         "confirm": "delete"})
    assert response.status_code == 302
    assert ann_client.get(unused["url"]).status_code == 404
    assert ann_client.get(used_by_bob["url"]).status_code == 200, "Bob's post still shows it"
    with app.app_context():
        kept = Image.objects.get()
        assert str(kept.pk) == used_by_bob["id"] and kept.owner is None
        assert get_db()["images.files"].count_documents({}) == 2  # the kept image, its thumbnail


def test_the_export_lists_uploads_with_their_addresses(app, ann_client):
    picture = ann_client.post("/media", data={"file": upload(image_bytes("WEBP"), "sea.webp")},
                              headers={"Accept": "application/json"}).get_json()["data"]
    data = json.loads(ann_client.get("/settings/export").get_data(as_text=True))
    [item] = data["uploads"]
    assert item["id"] == picture["id"] and item["filename"] == "sea.webp"
    assert item["contentType"] == "image/webp" and item["kind"] == "upload"
    assert item["url"] == f"http://localhost/media/{picture['id']}"
    assert ann_client.get(item["url"]).status_code == 200


def test_the_demo_seed_gives_some_posts_covers_and_some_users_avatars(runner, app, client):
    result = runner.invoke(args=["seed", "demo", "--users", "20", "--posts", "60",
                                 "--seed", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        covers = [post for post in Post.objects(cover__ne=None)]
        avatars = [user for user in User.objects(avatar__ne=None)]
        assert 1 <= len(covers) and 1 <= len(avatars)
        assert len(covers) < Post.objects.count() and len(avatars) < User.objects.count()
        assert all(post.status == "published" for post in covers)
        cover, avatar = covers[0].cover_id, avatars[0].avatar_id
    assert opened(client.get(f"/media/{cover}").data).size == (1200, 630)
    assert opened(client.get(f"/media/{avatar}").data).size == (256, 256)
