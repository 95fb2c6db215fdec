"""Images in Chromium: a writer inserts an image into a post with the editor's button,
gives the post a cover and an avatar, and readers see them. CSRF is on, as in production."""
import re

import pytest
from playwright.sync_api import expect

from images import image_bytes, photo_with_location
from pages import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def files(tmp_path):
    """Pictures on the writer's disk."""
    paths = {}
    for name, data in {"harbour.jpg": photo_with_location(600, 400),
                       "cover.png": image_bytes("PNG", 1200, 630),
                       "me.webp": image_bytes("WEBP", 500, 300),
                       "notes.png": b"not an image at all"}.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths[name] = str(path)
    return paths


def test_a_writer_inserts_an_image_at_the_cursor_and_readers_see_it(
        live_server, page, browser, screenshot, files, make_user):
    make_user(email="wren@example.com", name="Wren Writer")
    log_in(page, live_server, "wren@example.com")
    page.goto(f"{live_server}/posts/new")
    expect(page.get_by_label("Insert image")).to_be_visible()
    expect(page.locator(".image-insert-fallback")).to_be_hidden()
    page.fill("input[name=title]", "A morning at the harbour")
    content = page.locator("textarea[name=content]")
    content.fill("Before the picture.\nAfter the picture.")
    # The cursor after the first line, as a writer would put it.
    content.evaluate("area => { area.focus(); area.setSelectionRange(19, 19); }")

    page.set_input_files("#insert-image-file", files["notes.png"])
    expect(page.locator(".image-insert-status")).to_contain_text("not a PNG, JPEG, GIF or WebP")
    page.fill("#insert-image-alt", "Boats at dawn")
    page.set_input_files("#insert-image-file", files["harbour.jpg"])
    expect(page.locator(".image-insert-status")).to_contain_text("Inserted")
    assert re.fullmatch(r"Before the picture\.\n\n!\[Boats at dawn\]\(/media/[0-9a-f]{24}\)\n"
                        r"\nAfter the picture\.", content.input_value()), content.input_value()
    screenshot("image-inserted")

    page.set_input_files("input[name=cover]", files["cover.png"])
    page.select_option("select[name=status]", "published")
    page.click("button[name=save]")
    expect(page.locator("h1")).to_have_text("A morning at the harbour")
    picture = page.locator(".prose img[alt='Boats at dawn']")
    expect(picture).to_be_visible()
    assert picture.evaluate("image => image.complete && image.naturalWidth") == 400, \
        "the photo, turned upright as the camera said"
    expect(page.locator("figure.cover img")).to_be_visible()
    assert page.locator("figure.cover img").evaluate("image => image.naturalWidth") == 1200
    screenshot("post-with-image-and-cover")

    page.goto(f"{live_server}/settings/profile")
    page.set_input_files("input[name=avatar]", files["me.webp"])
    page.click("main button[type=submit]")
    expect(page.locator(".profile-avatar img.avatar")).to_be_visible()
    assert page.locator(".profile-avatar img.avatar").evaluate(
        "image => image.naturalWidth") == 256

    reader = browser.new_context().new_page()
    reader.goto(live_server)
    card = reader.locator(".card", has_text="A morning at the harbour")
    expect(card.locator(".card-thumb img")).to_be_visible()
    expect(card.locator("img.avatar")).to_be_visible()
    reader.close()

    page.goto(f"{live_server}/media")
    expect(page.locator(".upload")).to_have_count(2)
    expect(page.locator(".upload", has_text="harbour.jpg")).to_contain_text(
        "A morning at the harbour")
    screenshot("uploads-page")
