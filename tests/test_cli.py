"""The flask commands."""
import os
import pty
import re
import subprocess
import sys
from collections import Counter

import click
import pytest

from blog.commands import COMMANDS
from blog.commands.demo import SINGULAR_SUBJECTS, TITLE_PATTERNS, TOPICS, demo_title
from blog.models import AuditLog, Post, User
from blog.models.comment import Comment
from conftest import ROOT
from servers import server_environment


def test_create_admin_creates_then_promotes(runner, app, make_user):
    result = runner.invoke(args=["create-admin", "Boss@Example.com", "--password",
                                 "a long password", "--name", "Boss"])
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com" in result.output
    make_user(email="later@example.com")
    result = runner.invoke(args=["create-admin", "later@example.com"])
    assert "Promoted admin later@example.com" in result.output
    with app.app_context():
        assert User.objects.get(email="boss@example.com").check_password("a long password")
        assert {u.email for u in User.objects(role="admin")} == {"boss@example.com",
                                                                 "later@example.com"}


def test_commands_store_no_control_characters(runner, app):
    result = runner.invoke(args=["create-admin", "boss@example.com", "--password",
                                 "long enough", "--name", "The\x08 Boss\x9b"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert User.by_email("boss@example.com").name == "The Boss"


def test_create_admin_on_an_admin_says_so_and_changes_nothing(runner, app, admin):
    with app.app_context():
        entries = AuditLog.objects.count()
    result = runner.invoke(args=["create-admin", admin.email])
    assert result.exit_code == 0
    assert result.output == f"{admin.email} is already an admin.\n"
    result = runner.invoke(args=["create-admin", admin.email.upper(), "--password",
                                 "a new long password"])
    assert result.output == f"{admin.email} is already an admin; changed the password.\n"
    with app.app_context():
        assert User.by_email(admin.email).check_password("a new long password")
        assert AuditLog.objects.count() == entries + 1


def test_create_admin_asks_for_a_password(runner, app):
    result = runner.invoke(args=["create-admin", "ask@example.com"],
                           input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert User.by_email("ask@example.com").check_password("a long password")


def test_create_admin_explains_bad_input(runner, app):
    result = runner.invoke(args=["create-admin", "not an email", "--password", "long enough"])
    assert result.exit_code == 1 and "valid email" in result.output
    result = runner.invoke(args=["create-admin", "a@example.com", "--password", "short"])
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    with app.app_context():
        assert User.objects.count() == 0


def snapshot(app):
    with app.app_context():
        return [(p.title, p.status, p.tags, p.author.email, p.created_at)
                for p in Post.objects.order_by("created_at", "title")]


def test_seed_demo_is_realistic_and_repeatable(runner, app):
    result = runner.invoke(args=["seed", "demo", "--users", "12", "--posts", "150",
                                 "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output
    with app.app_context():
        assert User.objects.count() == 13
        assert User.objects(role="admin").count() == 1
        statuses = set(Post.objects.distinct("status"))
        assert statuses == {"published", "draft", "archived"}
        dates = sorted(Post.objects.scalar("created_at"))
        assert (dates[-1] - dates[0]).days > 365
        assert User.objects(profile__age__ne=None).count() > 5
        assert all(p.tags and "##" in p.content for p in Post.objects.limit(20))
    first = snapshot(app)

    with app.app_context():
        Post.objects.delete()
        User.objects.delete()
    runner.invoke(args=["seed", "demo", "--users", "12", "--posts", "150", "--seed", "7"])
    assert snapshot(app) == first


def test_seed_demo_writes_comments_with_a_realistic_spread(runner, app, client):
    result = runner.invoke(args=["seed", "demo", "--users", "20", "--posts", "150",
                                 "--comments", "400", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "400 comments" in result.output
    with app.app_context():
        comments = list(Comment.objects)
        assert len(comments) == 400
        statuses = Counter(comment.status for comment in comments)
        assert statuses["visible"] > 250 and statuses["pending"] > 5 and statuses["hidden"] > 0
        assert sum(1 for comment in comments if comment.parent_id()) > 40, "replies"
        per_post = Counter(comment._post_id() for comment in comments)
        assert len(per_post) > 40 and max(per_post.values()) >= 10, "some posts are popular"
        posts = {post.pk: post for post in Post.objects}
        for comment in comments:
            post = posts[comment._post_id()]
            assert post.is_visible and comment.created_at >= post.published_at
        for post in posts.values():
            assert post.comment_count == sum(1 for comment in comments if comment.status ==
                                             "visible" and comment._post_id() == post.pk)
        busiest = posts[per_post.most_common(1)[0][0]]
    page = client.get(f"/posts/{busiest.slug}").get_data(as_text=True)
    assert page.count('class="comment') >= busiest.comment_count


def test_seed_demo_if_empty_keeps_existing_content(runner, app, make_user):
    make_user()
    result = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert result.exit_code == 0
    assert result.output == "The database has 1 user and 0 posts already; not seeding.\n"
    with app.app_context():
        assert User.objects.count() == 1 and Post.objects.count() == 0


def test_seed_demo_on_a_store_with_content_says_what_it_adds_and_asks(runner, app):
    runner.invoke(args=["seed", "demo", "--users", "2", "--posts", "5", "--seed", "1"])
    demo = ["seed", "demo", "--users", "3", "--posts", "4"]
    result = runner.invoke(args=demo, input="n\n")
    assert result.exit_code == 1
    assert result.output.startswith("The database has 3 users and 5 posts. This adds 3 demo "
                                    "users, 4 posts, 4 comments.\nAdd them? [y/N]: n\n"
                                    "Aborted!")
    with app.app_context():
        assert (User.objects.count(), Post.objects.count()) == (3, 5)
    assert runner.invoke(args=demo, input="y\n").exit_code == 0
    assert runner.invoke(args=[*demo, "--yes"]).exit_code == 0
    with app.app_context():
        assert (User.objects.count(), Post.objects.count()) == (9, 13)


def all_commands(group=None, path=()):
    for command in (group.commands.values() if group else COMMANDS):
        if isinstance(command, click.Group):
            yield from all_commands(command, (*path, command.name))
        else:
            yield " ".join((*path, command.name)), command


def test_every_option_of_every_command_says_what_it_does():
    for name, command in all_commands():
        assert command.help, f"flask {name} has no help"
        for option in command.params:
            if isinstance(option, click.Option):
                assert option.help, f"flask {name} {option.opts[0]} has no help"


def test_demo_titles_are_grammatical():
    assert demo_title(TITLE_PATTERNS[3], "flaky tests", "fixtures") == \
        "Why flaky tests matter more than you think"
    assert demo_title(TITLE_PATTERNS[3], "Python", "asyncio") == \
        "Why Python matters more than you think"
    assert demo_title("When {subject} {meets} {other}", "replica sets", "indexes") == \
        "When replica sets meet indexes"
    for subjects in TOPICS.values():
        for subject in subjects:
            for pattern in TITLE_PATTERNS:
                title = demo_title(pattern, subject, "logging")
                plural = subject.endswith("s") and subject not in SINGULAR_SUBJECTS
                assert not re.search(rf"{re.escape(subject)} (matters|meets)\b" if plural
                                     else rf"{re.escape(subject)} (matter|meet)\b", title,
                                     re.IGNORECASE), title
                assert "{" not in title


def in_a_terminal(store, *args):
    """What ``flask ARGS`` shows in a terminal (a pseudo-terminal), as one string."""
    parent, child = pty.openpty()
    environ = server_environment(store, FLASK_DEBUG="1", COLUMNS="120")
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", *args],
                               cwd=ROOT, env=environ, stdin=child, stdout=child, stderr=child)
    os.close(child)
    shown = b""
    while True:
        try:
            chunk = os.read(parent, 4096)
        except OSError:  # the terminal closes when the command exits
            break
        if not chunk:
            break
        shown += chunk
    os.close(parent)
    assert process.wait(timeout=120) == 0, shown.decode()
    return shown.decode()


@pytest.mark.slow
def test_long_commands_show_a_progress_bar_with_a_count_and_a_rate(tmp_path):
    store = tmp_path / "embedded.db"
    shown = in_a_terminal(store, "seed", "demo", "--users", "7", "--posts", "240", "--seed", "3")
    assert re.search(r"Writing users .*7/7 .*\d users/s", shown), shown
    assert re.search(r"Writing posts .*240/240 .*\d posts/s", shown), shown
    shown = in_a_terminal(store, "seed", "posts", "120")
    assert re.search(r"Writing posts .*120/120 .*\d posts/s", shown), shown
    shown = in_a_terminal(store, "search", "reindex")
    assert re.search(r"Reindexing posts .*360/360 .*\d posts/s", shown), shown


def test_seed_users_and_posts(runner, app):
    result = runner.invoke(args=["seed", "posts", "3"])
    assert result.exit_code == 1 and "seed users" in result.output
    assert runner.invoke(args=["seed", "users", "4", "--seed", "2"]).exit_code == 0
    assert runner.invoke(args=["seed", "posts", "9", "--seed", "2"]).exit_code == 0
    result = runner.invoke(args=["seed", "users", "many"])
    assert result.exit_code == 2 and "'many' is not a valid integer" in result.output
    with app.app_context():
        assert User.objects.count() == 4 and Post.objects.count() == 9


def test_db_commands(runner):
    result = runner.invoke(args=["db", "ping"])
    assert result.exit_code == 0 and result.output.startswith("ok: memory database")
    result = runner.invoke(args=["db", "ensure-indexes"])
    assert result.exit_code == 0
    assert "slug_1" in result.output and "email_1" in result.output
