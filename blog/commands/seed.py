"""``flask seed``: demo content (users, posts, comments and a demo admin) from ``demo``."""
import time

import click

from blog.commands.base import CommandGroup, progress
from blog.commands.demo import (
    DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_USER_PASSWORD, DemoContent, demo_admin,
)
from blog.models import Post, User
from blog.services import audit
from blog.store import connection

seed_cli = CommandGroup("seed", help="Fill the database with realistic demo content.")

COUNT = click.IntRange(min=0, max=1_000_000)
seed_option = click.option("--seed", type=int, default=None,
                           help="Random seed: the same seed writes the same content.")


@seed_cli.command("demo")
@click.option("--users", "user_count", type=COUNT, default=40, show_default=True,
              help="How many demo users to write.")
@click.option("--posts", "post_count", type=COUNT, default=300, show_default=True,
              help="How many demo posts to write.")
@click.option("--comments", "comment_count", type=COUNT, default=None,
              help="How many demo comments to write (default: as many as posts).")
@seed_option
@click.option("--if-empty", is_flag=True,
              help="Write only into an empty database (no users, no posts); else do nothing.")
@click.option("--yes", is_flag=True,
              help="Add to a database that has content without asking first.")
def seed_demo(user_count, post_count, comment_count, seed, if_empty, yes):
    """Users, posts, comments and a demo admin (asks first when the database has content)."""
    if comment_count is None:
        comment_count = post_count
    users_now, posts_now = User.objects.count(), Post.objects.count()
    if users_now or posts_now:
        has = f"The database has {_count(users_now, 'user')} and {_count(posts_now, 'post')}"
        if if_empty:
            click.echo(f"{has} already; not seeding.")
            _print_logins()
            return
        if not yes:
            admin = "" if User.by_email(DEMO_ADMIN_EMAIL) else " and the demo admin"
            click.echo(f"{has}. This adds {_count(user_count, 'demo user')}, "
                       f"{_count(post_count, 'post')}, {_count(comment_count, 'comment')}"
                       f"{admin}.")
            click.confirm("Add them?", abort=True)
    started = time.perf_counter()
    content = DemoContent(seed)
    admin = demo_admin()
    with connection.bulk_writes(), audit.bulk(_described("seed demo", seed)):
        users = _write(content.users(user_count), user_count, "users")
        posts = _write(content.posts(post_count, users + [admin]), post_count, "posts")
        comments = _write(content.comments(comment_count, posts, users + [admin]),
                          comment_count, "comments")
    click.echo(f"Seeded {_count(user_count, 'user')}, {_count(post_count, 'post')} and "
               f"{_count(len(comments), 'comment')} in "
               f"{time.perf_counter() - started:.1f} s.")
    _print_logins()


@seed_cli.command("users")
@click.argument("count", type=COUNT)
@seed_option
def seed_users(count, seed):
    """COUNT users with profiles."""
    with connection.bulk_writes(), audit.bulk(_described("seed users", seed)):
        _write(DemoContent(seed).users(count), count, "users")
    click.echo(f"Seeded {_count(count, 'user')} (password {DEMO_USER_PASSWORD!r}).")


@seed_cli.command("posts")
@click.argument("count", type=COUNT)
@seed_option
def seed_posts(count, seed):
    """COUNT posts by existing users."""
    authors = list(User.objects)
    if not authors:
        raise click.ClickException("There are no users yet: run `flask seed users N` first.")
    with connection.bulk_writes(), audit.bulk(_described("seed posts", seed)):
        _write(DemoContent(seed).posts(count, authors), count, "posts")
    click.echo(f"Seeded {_count(count, 'post')}.")


def _write(documents, count, unit):
    """Write ``documents`` (a generator that saves each) with a progress bar; returns them."""
    written = []
    with progress(count, f"Writing {unit}", unit) as bar:
        for document in documents:
            written.append(document)
            bar.update(1)
    return written


def _count(number, noun):
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _described(command, seed):
    """The audit history's name for a seed run: one summary entry, not one per document."""
    return f"{command} --seed {seed}" if seed is not None else command


def _print_logins():
    if User.by_email(DEMO_ADMIN_EMAIL) is None:
        return
    click.echo(f"Log in as the demo admin: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
    click.echo(f"Every other demo user has the password {DEMO_USER_PASSWORD!r}.")
