"""``flask seed``: demo content (users, posts and a demo admin) from ``demo``."""
import logging
import time

import click

from blog.commands.base import CommandGroup
from blog.commands.demo import (
    DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_USER_PASSWORD, DemoContent, demo_admin,
)
from blog.models import Post, User
from blog.services import audit
from blog.store import connection

seed_cli = CommandGroup("seed", help="Fill the database with realistic demo content.")

COUNT = click.IntRange(min=0, max=1_000_000)


@seed_cli.command("demo")
@click.option("--users", "user_count", type=COUNT, default=40, show_default=True)
@click.option("--posts", "post_count", type=COUNT, default=300, show_default=True)
@click.option("--seed", type=int, default=None, help="Random seed, for repeatable content.")
@click.option("--if-empty", is_flag=True, help="Do nothing if there are posts already.")
def seed_demo(user_count, post_count, seed, if_empty):
    """Users, posts and a demo admin."""
    if if_empty and Post.objects.count():
        click.echo("The database has posts already; not seeding.")
        _print_logins()
        return
    started = time.perf_counter()
    logging.getLogger("blog.db").setLevel(logging.INFO)
    content = DemoContent(seed)
    admin = demo_admin()
    with connection.bulk_writes(), audit.bulk(_described("seed demo", seed)):
        users = content.users(user_count)
        with click.progressbar(length=post_count, label="Writing posts") as bar:
            for _ in range(0, post_count, 100):
                done = content.posts(min(100, post_count - bar.pos), users + [admin])
                bar.update(len(done))
    click.echo(f"Seeded {user_count} users and {post_count} posts in "
               f"{time.perf_counter() - started:.1f} s.")
    _print_logins()


@seed_cli.command("users")
@click.argument("count", type=COUNT)
@click.option("--seed", type=int, default=None)
def seed_users(count, seed):
    """COUNT users with profiles."""
    with connection.bulk_writes(), audit.bulk(_described("seed users", seed)):
        DemoContent(seed).users(count)
    click.echo(f"Seeded {count} users (password {DEMO_USER_PASSWORD!r}).")


@seed_cli.command("posts")
@click.argument("count", type=COUNT)
@click.option("--seed", type=int, default=None)
def seed_posts(count, seed):
    """COUNT posts by existing users."""
    authors = list(User.objects)
    if not authors:
        raise click.ClickException("There are no users yet: run `flask seed users N` first.")
    with connection.bulk_writes(), audit.bulk(_described("seed posts", seed)):
        DemoContent(seed).posts(count, authors)
    click.echo(f"Seeded {count} posts.")


def _described(command, seed):
    """The audit history's name for a seed run: one summary entry, not one per document."""
    return f"{command} --seed {seed}" if seed is not None else command


def _print_logins():
    click.echo(f"Log in as the demo admin: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
    click.echo(f"Every other demo user has the password {DEMO_USER_PASSWORD!r}.")
