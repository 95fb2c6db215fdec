"""Twenty people at once against gunicorn with threads, on the embedded store.

They all try to register one address at the same moment, register their own
accounts, publish posts with the same title at once, and send each other
kudos, more in all than they have. Nothing may be lost or doubled: one account
per address, every acknowledged post there under its own slug, and every
balance exactly what the acknowledged transfers make it.
"""
import random
import re
import threading
from collections import Counter

import pytest

from blog.models import Post
from servers import Client, GunicornServer, run_cli, server_environment

pytestmark = pytest.mark.slow

CLIENTS = 20
POSTS_EACH = 3
PASSWORD = "concurrent password"
ADMIN = "admin@example.com"
CONTESTED = "contested@example.com"
TITLE = "Everyone writes this title"
STARTING_POINTS = 100
KUDOS_EACH = 6
# Sent to the others and to the admin, who sends nothing back: more in all than anyone
# has, so some sends meet a balance too small for them.
KUDOS_AMOUNTS = (30, 60)
WAIT_SECONDS = 120
# Saves in a row for each thread when the store is used in-process, without HTTP between.
SAVES_EACH = 6


@pytest.fixture
def server(tmp_path):
    environ = server_environment(tmp_path / "embedded.db")
    run_cli(environ, "create-admin", ADMIN, "--password", PASSWORD, "--name", "Admin")
    server = GunicornServer(environ, tmp_path / "gunicorn.log").start()
    yield server
    server.stop()


def run_at_once(work):
    """``work(number, barrier)`` in CLIENTS threads at once: their results, or their error."""
    barrier = threading.Barrier(CLIENTS, timeout=WAIT_SECONDS)
    results, errors = [None] * CLIENTS, []

    def run(number):
        try:
            results[number] = work(number, barrier)
        except Exception as error:  # reported below, with the others
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    if errors:
        raise errors[0]
    return results


def all_pages(client, path):
    items, page = [], 1
    while True:
        body = client.get(f"{path}{'&' if '?' in path else '?'}limit=100&page={page}").json()
        assert body["success"], body
        items += body["data"]
        if page >= body["metadata"]["totalPages"]:
            return items
        page += 1


def own_id(client):
    return re.search(r'href="/users/([0-9a-f]{24})" class="who"', client.get("/").text)[1]


def test_twenty_people_register_publish_and_send_kudos_at_once(server):
    admin = Client(server.url)
    assert admin.login(ADMIN, PASSWORD).status == 302
    admin_id = own_id(admin)
    ids = {}

    def person(number, barrier):
        barrier.wait()
        contender = Client(server.url).register(CONTESTED, f"Contender {number}", PASSWORD)
        me = Client(server.url)
        email = f"person{number}@example.com"
        assert me.register(email, f"Person {number}", PASSWORD).status == 302
        ids[number] = own_id(me)
        barrier.wait()
        slugs = []
        for _ in range(POSTS_EACH):
            response = me.post_form("/posts/new", {
                "title": TITLE, "content": f"By person {number}.", "tags": "crowd",
                "status": "published"})
            assert response.status == 302, f"{response.status}: {response.page_title}"
            slugs.append(response.location.rsplit("/", 1)[-1])
        barrier.wait()
        chance = random.Random(number)
        sent, refused = [], 0
        for _ in range(KUDOS_EACH):
            recipient = chance.choice([admin_id] + [ids[other] for other in ids if other != number])
            amount = chance.randint(*KUDOS_AMOUNTS)
            response = me.post_form(f"/users/{recipient}/kudos", {"points": amount})
            if response.status == 302:
                sent.append((recipient, amount))
            else:
                assert response.status == 409, f"{response.status}: {response.page_title}"
                assert "you cannot send" in response.text
                refused += 1
        return {"email": email, "id": ids[number], "contested": contender.status,
                "slugs": slugs, "sent": sent, "refused": refused}

    people = run_at_once(person)

    contested = Counter(result["contested"] for result in people)
    assert contested == {302: 1, 400: CLIENTS - 1}, "exactly one of them got the address"

    users = all_pages(admin, "/api/users")
    emails = Counter(user["email"] for user in users)
    assert emails[CONTESTED] == 1
    assert all(emails[result["email"]] == 1 for result in people)
    assert len(users) == CLIENTS + 2, "the admin, the contested address and one per person"

    acknowledged = [slug for result in people for slug in result["slugs"]]
    assert len(set(acknowledged)) == CLIENTS * POSTS_EACH, "every post has its own slug"
    posts = all_pages(admin, "/api/posts?tag=crowd")
    assert sorted(post["slug"] for post in posts) == sorted(acknowledged), "none lost or doubled"
    for result in people:
        theirs = all_pages(admin, f"/api/posts?author={result['id']}")
        assert sorted(post["slug"] for post in theirs) == sorted(result["slugs"])

    expected = Counter({user["id"]: STARTING_POINTS for user in users})
    for result in people:
        for recipient, amount in result["sent"]:
            expected[result["id"]] -= amount
            expected[recipient] += amount
    balances = {user["id"]: user["points"] for user in users}
    assert balances == dict(expected), "each balance is what the acknowledged transfers make it"
    assert sum(balances.values()) == STARTING_POINTS * len(users), "no point made or lost"
    assert min(balances.values()) >= 0, "no overdraft"
    transfers = [transfer for result in people for transfer in result["sent"]]
    assert sum(result["refused"] for result in people) > 0, "some sent more than they had"
    audited = all_pages(admin, "/api/audit?action=transfer")
    assert len(audited) == len(transfers), "each transfer is in the audit history"


def test_posts_with_one_title_saved_at_the_same_moment_each_get_their_own_slug(app, make_user):
    author = make_user()

    def write(number, barrier):
        with app.app_context():
            barrier.wait()
            return [Post(author=author, title=TITLE, status="published").save().slug
                    for _ in range(SAVES_EACH)]

    slugs = [slug for written in run_at_once(write) for slug in written]
    assert len(set(slugs)) == CLIENTS * SAVES_EACH
    assert all(slug == "everyone-writes-this-title" or
               slug.startswith("everyone-writes-this-title-") for slug in slugs)
