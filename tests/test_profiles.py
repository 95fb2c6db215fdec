"""Profiles and profile settings."""
import pytest

from blog.models import User


def test_profile_shows_the_user_and_their_published_posts(client, make_user, make_post):
    user = make_user(name="Pat", email="pat@example.com")
    make_post(user, title="Public words")
    make_post(user, title="Hidden draft", status="draft")
    page = client.get(f"/users/{user.pk}")
    assert page.status_code == 200
    assert b"Pat" in page.data and b"Public words" in page.data and b"100 points" in page.data
    assert b"Hidden draft" not in page.data


@pytest.mark.parametrize("user_id", ["nope", "0" * 24, "{'$gt': ''}", "a" * 500])
def test_unknown_profiles_are_404(client, user_id):
    assert client.get(f"/users/{user_id}").status_code == 404


def test_settings_update_only_the_profile(client, auth, app):
    auth.register()
    response = client.post("/settings/profile", data={
        "name": "Ann Other", "bio": "Hello <b>there</b>", "age": "33",
        "website": "https://ann.example.com", "role": "admin", "points": "100000",
        "email": "hijack@example.com"})
    assert response.status_code == 302
    with app.app_context():
        user = User.objects.get()
        assert (user.name, user.profile.bio, user.profile.age) == ("Ann Other",
                                                                   "Hello <b>there</b>", 33)
        assert user.role == "user" and user.points == 100 and user.email == "ann@example.com"
    page = client.get(f"/users/{user.pk}")
    assert b"Hello &lt;b&gt;there&lt;/b&gt;" in page.data


def test_control_characters_never_reach_a_profile(client, auth, app):
    auth.register()
    response = client.post("/settings/profile", data={
        "name": "Ann\x1b[31m Other\x00", "bio": "Line one\r\n\tLine two\x07\x85",
        "age": "33", "website": "https://ann.example.com/\x01me"})
    assert response.status_code == 302
    with app.app_context():
        user = User.objects.get()
        assert user.name == "Ann[31m Other"
        assert user.profile.bio == "Line one\n\tLine two"
        assert user.profile.website == "https://ann.example.com/me"


@pytest.mark.parametrize("field, value, message", [
    ("age", "abc", b"Not a valid integer value."),
    ("age", "7", b"Number must be between 13 and 120."),
    ("website", "javascript:alert(1)", b"http:// or https://"),
    ("website", "//evil.com", b"http:// or https://"),
    ("bio", "b" * 501, b"Field cannot be longer than 500 characters."),
    ("name", "", b"This field is required."),
])
def test_bad_settings_are_explained_and_change_nothing(client, auth, app, field, value, message):
    auth.register()
    data = {"name": "Ann", "bio": "", "age": "", "website": "", field: value}
    response = client.post("/settings/profile", data=data)
    assert response.status_code == 400
    assert message in response.data
    with app.app_context():
        user = User.objects.get()
        assert user.profile.age is None and user.profile.website == "" and user.name == "Ann"


def test_settings_need_a_login(client):
    response = client.get("/settings/profile")
    assert response.status_code == 302 and "next=%2Fsettings%2Fprofile" in response.location


def test_a_bad_website_is_explained_beside_the_website_field(client, auth):
    auth.register()
    response = client.post("/settings/profile", data={"name": "Ann", "website": "ftp://x.org"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    bio_field = html[html.index('id="bio"'):html.index('id="website"')]
    website_field = html[html.index('id="website"'):]
    assert "http:// or https://" not in bio_field
    assert "http:// or https://" in website_field[:600]
