"""Uploading images: each format, every refusal, cleaning, serving and deleting."""
import io
import json
import re
import zlib
import struct

import pytest
from PIL import Image as PillowImage

from blog.models import AuditLog, Post
from blog.models.image import Image
from images import FORMATS, GPS_IFD, image_bytes, opened, photo_with_location, upload

ID = re.compile(r"/media/([0-9a-f]{24})")


def send(client, data, filename="picture.png", as_json=True, **fields):
    headers = {"Accept": "application/json"} if as_json else {}
    return client.post("/media", data={"file": upload(data, filename), **fields},
                       headers=headers, content_type="multipart/form-data")


@pytest.fixture
def ann_client(ann, client_for):
    return client_for(ann)


@pytest.mark.parametrize("image_format", sorted(FORMATS))
def test_each_format_is_stored_and_served_as_itself(app, ann_client, image_format):
    response = send(ann_client, image_bytes(image_format), "holiday.img", alt="A [red] dot")
    assert response.status_code == 201, response.get_data(as_text=True)
    data = response.get_json()["data"]
    assert data["url"] == f"/media/{data['id']}"
    assert data["thumbnailUrl"] == f"/media/{data['id']}/thumb"
    assert data["markdown"] == f"![A \\[red\\] dot](/media/{data['id']})"
    served = ann_client.get(data["url"])
    assert served.status_code == 200
    assert served.headers["Content-Type"] == FORMATS[image_format]
    assert int(served.headers["Content-Length"]) == len(served.data)
    assert opened(served.data).format == image_format
    assert opened(served.data).size == (320, 200)
    with app.app_context():
        assert AuditLog.objects(collection="image", action="create").count() == 1


def test_large_images_are_resized_and_get_a_thumbnail(ann_client):
    data = send(ann_client, image_bytes("JPEG", 3200, 1800), "wide.jpg").get_json()["data"]
    assert opened(ann_client.get(data["url"]).data).size == (1600, 900)
    assert opened(ann_client.get(data["thumbnailUrl"]).data).size == (400, 225)


def test_exif_and_gps_are_gone_and_the_orientation_applied(ann_client):
    original = opened(photo_with_location())
    assert original.getexif().get_ifd(GPS_IFD), "the test photo carries a location"
    data = send(ann_client, photo_with_location(), "IMG_0001.JPG").get_json()["data"]
    for url in (data["url"], data["thumbnailUrl"]):
        stored = opened(ann_client.get(url).data)
        assert not stored.getexif(), f"{url} kept EXIF data"
        assert "exif" not in stored.info
        assert stored.size == (200, 300), "the camera's rotation is applied"
        assert stored.getpixel((100, 10))[0] > 150, "the yellow bar is at the top"


def truncated_png():
    return image_bytes("PNG", 600, 400)[:700]


def png_header(width, height):
    """A valid PNG header claiming ``width`` × ``height`` pixels, and hardly any data."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                                 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
REFUSED = {
    "svg": (SVG, "drawing.svg", 400, "not a PNG, JPEG, GIF or WebP"),
    "html": (b"<html><script>alert(1)</script></html>", "page.html", 400, "not a PNG"),
    "text named .png": (b"just some words", "notes.png", 400, "not a PNG"),
    "truncated": (truncated_png(), "cut.png", 400, "damaged or cut short"),
    "bomb": (png_header(10_000, 5_000), "bomb.png", 400, "more than 40 million pixels"),
    "empty": (b"", "empty.png", 400, "That file is empty"),
    "BMP": (image_bytes("BMP"), "old.bmp", 400, "not a PNG"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
@pytest.mark.parametrize("as_json", [True, False])
def test_refused_uploads_say_why_and_store_nothing(app, ann_client, case, as_json):
    data, filename, status, message = REFUSED[case]
    response = send(ann_client, data, filename, as_json=as_json)
    assert response.status_code == status
    if as_json:
        body = response.get_json()
        assert body["success"] is False and message in body["error"]["message"]
    else:
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert Image.objects.count() == 0
        assert AuditLog.objects(collection="image").count() == 0


@pytest.mark.parametrize("app_config", [{"MAX_IMAGE_BYTES": 20_000}])
def test_a_file_over_the_size_limit_is_413(app, ann_client):
    big = image_bytes("PNG", 400, 400, compress_level=0)
    assert len(big) > 20_000
    response = send(ann_client, big, "big.png")
    assert response.status_code == 413
    assert "larger than" in response.get_json()["error"]["message"]
    # Past the limit of the whole request, the server stops reading: 413 as well.
    huge = send(ann_client, b"\x00" * 1_200_000, "huge.png")
    assert huge.status_code == 413
    with app.app_context():
        assert Image.objects.count() == 0


@pytest.mark.parametrize("app_config", [{"MEDIA_QUOTA_MB": 0.2}])
def test_uploads_stop_at_the_quota(app, ann_client):
    noisy = PillowImage.effect_noise((150, 150), 80).convert("RGB")
    output = io.BytesIO()
    noisy.save(output, "PNG")
    accepted = 0
    while True:
        response = send(ann_client, output.getvalue(), "noise.png")
        if response.status_code != 201:
            break
        accepted += 1
    assert accepted >= 1
    assert response.status_code == 409
    assert "more than your 0.2 MB" in response.get_json()["error"]["message"]
    with app.app_context():
        assert Image.objects.count() == accepted
        assert Image.objects.sum("stored_bytes") <= 200_000


def test_uploading_needs_a_login(app, client):
    response = client.post("/media", data={"file": upload(image_bytes())},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get("/media").status_code == 302


@pytest.mark.parametrize("filename", ["../../etc/passwd", "..\\..\\boot.ini",
                                      "<script>alert(1)</script>.png", "a\x00b.png",
                                      "😀" * 300 + ".png", "C:\\Users\\me\\cat.png"])
def test_hostile_filenames_are_shown_safely(app, ann_client, filename):
    response = send(ann_client, image_bytes(), filename, as_json=False)
    assert response.status_code == 302
    page = ann_client.get("/media").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    with app.app_context():
        image = Image.objects.get()
        assert "/" not in image.filename and "\\" not in image.filename
        assert "\x00" not in image.filename and len(image.filename) <= 200


def test_the_uploads_page_shows_markdown_sizes_and_the_posts_using_each(app, ann, ann_client,
                                                                        make_post):
    used = send(ann_client, image_bytes(), "used.png").get_json()["data"]
    send(ann_client, image_bytes("JPEG"), "spare.jpg")
    make_post(ann, title="Showing the picture", content=f"Look: {used['markdown']}")
    page = ann_client.get("/media").get_data(as_text=True)
    assert "used.png" in page and "spare.jpg" in page
    assert f"![used](/media/{used['id']})" in page
    assert "Showing the picture" in page
    assert "320 × 200" in page and " MB" in page


def test_the_form_without_javascript_uploads_and_shows_the_markdown(app, ann_client):
    response = send(ann_client, image_bytes(), "plain.png", as_json=False)
    assert response.status_code == 302
    page = ann_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Image uploaded" in page
    image_id = ID.search(page)[1]
    assert f"![plain](/media/{image_id})" in page


def test_serving_has_caching_headers_and_answers_304(app, ann_client, client):
    data = send(ann_client, image_bytes("JPEG", 800, 500)).get_json()["data"]
    for url in (data["url"], data["thumbnailUrl"]):
        first = client.get(url)  # anyone, logged in or not
        assert first.status_code == 200
        etag = first.headers["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert first.headers["X-Content-Type-Options"] == "nosniff"
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(data["url"]).headers["ETag"] != client.get(data["thumbnailUrl"]).headers["ETag"]


@pytest.mark.parametrize("path", ["/media/000000000000000000000000", "/media/nope",
                                  "/media/{\"$gt\":\"\"}", "/media/000000000000000000000000/thumb",
                                  "/media/%00/thumb", "/media/" + "a" * 5000])
def test_unknown_or_malformed_ids_are_404(client, path):
    assert client.get(path).status_code == 404


def test_deleting_an_unused_image_removes_its_files(app, ann_client):
    data = send(ann_client, image_bytes()).get_json()["data"]
    response = ann_client.post(f"/media/{data['id']}/delete")
    assert response.status_code == 302
    assert ann_client.get(data["url"]).status_code == 404
    with app.app_context():
        from mongoengine.connection import get_db
        assert get_db()["images.files"].count_documents({}) == 0
        assert get_db()["images.chunks"].count_documents({}) == 0
        assert AuditLog.objects(collection="image", action="delete").count() == 1


def test_an_image_a_post_shows_cannot_be_deleted(app, ann, ann_client, make_post):
    data = send(ann_client, image_bytes()).get_json()["data"]
    post = make_post(ann, title="Still showing it", content=data["markdown"], status="draft")
    response = ann_client.post(f"/media/{data['id']}/delete")
    assert response.status_code == 409
    assert "Still showing it" in response.get_data(as_text=True)
    as_json = ann_client.post(f"/media/{data['id']}/delete",
                              headers={"Accept": "application/json"})
    assert as_json.status_code == 409 and "Still showing it" in as_json.get_json()["error"]["message"]
    assert ann_client.get(data["url"]).status_code == 200, "a draft's images are served too"
    with app.app_context():
        post.reload()
        post.content = "No picture now."
        post.save()
    assert ann_client.post(f"/media/{data['id']}/delete").status_code == 302


def test_someone_elses_image_cannot_be_deleted_but_an_admin_can(app, ann_client, bob, admin,
                                                               client_for):
    data = send(ann_client, image_bytes()).get_json()["data"]
    assert client_for(bob).post(f"/media/{data['id']}/delete").status_code == 403
    assert client_for(bob).get(data["url"]).status_code == 200
    assert client_for(admin).post(f"/media/{data['id']}/delete").status_code == 302
    assert ann_client.get(data["url"]).status_code == 404


def test_deleting_a_post_deletes_its_unused_uploads(app, ann, ann_client, make_post):
    only_here = send(ann_client, image_bytes()).get_json()["data"]
    shared = send(ann_client, image_bytes("JPEG")).get_json()["data"]
    post = make_post(ann, title="Two pictures",
                     content=f"{only_here['markdown']} {shared['markdown']}")
    make_post(ann, title="One of them again", content=shared["markdown"])
    assert ann_client.post(f"/posts/{post.slug}/delete").status_code == 302
    assert ann_client.get(only_here["url"]).status_code == 404
    assert ann_client.get(shared["url"]).status_code == 200


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_one_person_uploads_at_most_twenty_images_a_minute(app, ann_client, bob, client_for):
    small = image_bytes("PNG", 8, 8)
    statuses = [send(ann_client, small).status_code for _ in range(21)]
    assert statuses == [201] * 20 + [429]
    assert send(client_for(bob), small).status_code == 201, "someone else still uploads"
    with app.app_context():
        assert Image.objects.count() == 21
