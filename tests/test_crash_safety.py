"""The embedded store keeps every write it acknowledged when the server is killed.

gunicorn serves the app on the embedded store; clients publish posts through
the site; the server is killed with SIGKILL while they write, and a new server
opens the same file. Every post whose response arrived must be there, whole;
the only others allowed are posts whose request was still unanswered at the kill.
"""
import http.client
import sqlite3
import threading
from contextlib import closing

import pytest

from helpers import wait_until
from servers import Client, GunicornServer, server_environment

pytestmark = pytest.mark.slow

PASSWORD = "crash test password"
MAX_POSTS = 5000
WRITERS = 8


class Writer:
    """One author publishing posts until told to stop or the server goes away."""

    def __init__(self, server_url, email):
        self.server_url = server_url
        self.email = email
        self.acknowledged = {}    # title -> slug
        self.unanswered = []      # titles sent that got no answer
        self.refused = []         # (title, status) of posts the site did not accept
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True)

    def start(self):
        Client(self.server_url).register(self.email, "Writer", PASSWORD)
        self.thread.start()
        return self

    def _write(self):
        client = Client(self.server_url, timeout=10)
        client.login(self.email, PASSWORD)
        for number in range(MAX_POSTS):
            if self.stop.is_set():
                return
            title = f"Written by {self.email} number {number}"
            try:
                response = client.post_form("/posts/new", {
                    "title": title, "tags": "crash", "content": content_of(title),
                    "status": "published"})
            except (OSError, http.client.HTTPException):
                self.unanswered.append(title)  # the server was killed before it answered
                return
            if response.status == 302:
                self.acknowledged[title] = response.location.rsplit("/", 1)[-1]
            else:
                self.refused.append((title, response.status))

    def finish(self):
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "a writer did not stop after the kill"
        assert not self.refused, f"the site refused posts before the kill: {self.refused[:3]}"


def content_of(title):
    return f"The body of “{title}”, written in full.\n\n- one\n- two\n"


def test_a_killed_server_keeps_every_post_whose_response_arrived(tmp_path):
    store = tmp_path / "embedded.db"
    server = GunicornServer(server_environment(store), tmp_path / "gunicorn.log")
    server.start()
    try:
        writer = Writer(server.url, "writer@example.com").start()
        wait_until(lambda: len(writer.acknowledged) >= 30 or not writer.thread.is_alive(),
                   message="the writer did not publish 30 posts")
        assert writer.thread.is_alive(), "the writer stopped before the kill"
        server.kill()
        writer.finish()
    finally:
        server.kill()

    assert_the_file_is_whole(store)
    kept = restart_and_read(server)
    assert_kept_exactly(kept, [writer])


def test_a_kill_amid_concurrent_writes_keeps_the_acknowledged_and_at_most_the_unanswered(
        tmp_path):
    store = tmp_path / "embedded.db"
    server = GunicornServer(server_environment(store), tmp_path / "gunicorn.log")
    server.start()
    try:
        writers = [Writer(server.url, f"writer{n}@example.com").start() for n in range(WRITERS)]

        def burst_under_way():
            if not all(writer.thread.is_alive() for writer in writers):
                return "stopped"
            return all(len(writer.acknowledged) >= 3 for writer in writers)
        assert wait_until(burst_under_way, message="the writers did not get going") is True, \
            "a writer stopped before the kill"
        server.kill()
        for writer in writers:
            writer.finish()
    finally:
        server.kill()

    assert_the_file_is_whole(store)
    kept = restart_and_read(server)
    assert_kept_exactly(kept, writers)


def assert_the_file_is_whole(store):
    with closing(sqlite3.connect(store)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def restart_and_read(server):
    """Every published post the restarted server has, ``{title: post}``, each read whole."""
    server.start()
    try:
        client = Client(server.url)
        slugs = published_slugs(client)
        posts = [client.get(f"/api/posts/{slug}").json()["data"] for slug in slugs]
    finally:
        server.stop()
    return {post["title"]: post for post in posts}


def assert_kept_exactly(kept, writers):
    acknowledged = {title: slug for writer in writers
                    for title, slug in writer.acknowledged.items()}
    unanswered = {title for writer in writers for title in writer.unanswered}
    lost = sorted(set(acknowledged) - set(kept))
    assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged posts were lost: {lost[:3]}"
    unexpected = sorted(set(kept) - set(acknowledged) - unanswered)
    assert not unexpected, f"posts nobody was told about: {unexpected[:3]}"
    assert len(set(kept) - set(acknowledged)) <= len(writers)
    for title, post in kept.items():
        if title in acknowledged:
            assert post["slug"] == acknowledged[title]
        assert post["content"] == content_of(title), f"{title!r} was not kept whole"
        assert post["tags"] == ["crash"] and post["status"] == "published"
        assert "<li>two</li>" in post["html"] and post["excerpt"]


def published_slugs(client):
    """Every published post's slug, read page by page from the JSON API."""
    slugs, page = [], 1
    while True:
        body = client.get(f"/api/posts?tag=crash&limit=100&page={page}").json()
        slugs += [item["slug"] for item in body["data"]]
        if page >= body["metadata"]["totalPages"]:
            return slugs
        page += 1
