"""Images from other hosts are shown only from the hosts IMAGE_HOSTS lists."""
import pytest

from blog import create_app
from blog.config import ConfigurationError
from conftest import make_config


def test_a_remote_image_becomes_a_link_and_the_policy_allows_only_this_blog(
        client, author, make_post):
    post = make_post(author, title="Pictures", content=(
        "![a tracker](https://evil.com/pixel.png) ![ours](/media/0123456789abcdef01234567) "
        "![](//evil.com/x.gif)"))
    response = client.get(f"/posts/{post.slug}")
    page = response.get_data(as_text=True)
    assert '<a href="https://evil.com/pixel.png" rel="noopener noreferrer">a tracker</a>' in page
    assert 'src="https://evil.com' not in page and 'src="//evil.com' not in page
    assert '<img src="/media/0123456789abcdef01234567" alt="ours" loading="lazy">' in page
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in policy


@pytest.mark.parametrize("app_config", [{"IMAGE_HOSTS": ["images.example.org"]}])
def test_listed_hosts_show_their_images_and_join_the_policy(client, author, make_post):
    post = make_post(author, title="Pictures", content=(
        "![listed](https://images.example.org/a.png) ![not](https://images.example.org.evil.com/a.png)"))
    response = client.get(f"/posts/{post.slug}")
    page = response.get_data(as_text=True)
    assert '<img src="https://images.example.org/a.png" alt="listed"' in page
    assert '<a href="https://images.example.org.evil.com/a.png"' in page
    assert "img-src 'self' data: https://images.example.org;" in \
        response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("hosts", ["images.example.org", ["https://x.org/"], ["a b"], [1],
                                   ["x.org; script-src *"]])
def test_image_hosts_must_be_a_list_of_host_names(hosts):
    with pytest.raises(ConfigurationError, match="IMAGE_HOSTS"):
        create_app(make_config(IMAGE_HOSTS=hosts))


def test_image_hosts_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_IMAGE_HOSTS", '["cdn.example.net"]')
    app = create_app(make_config())
    try:
        assert app.config["IMAGE_HOSTS"] == ["cdn.example.net"]
    finally:
        from blog import disconnect_db
        disconnect_db(app)
