"""Flask commands: ``create-admin``, ``seed``, ``db``."""
import logging
import time

import click
from flask import current_app
from flask.cli import AppGroup
from mongoengine import NotUniqueError, ValidationError
from pymongo.errors import PyMongoError

from blog import audit, db
from blog.forms import field_messages
from blog.models import Post, User
from blog.seed import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_USER_PASSWORD, DemoContent, demo_admin

seed_cli = AppGroup("seed", help="Fill the database with realistic demo content.")
db_cli = AppGroup("db", help="Database maintenance.")

COUNT = click.IntRange(min=0, max=1_000_000)


def _validation_message(error):
    fields = field_messages(error)
    if fields:
        return "; ".join(f"{name}: {message}" for name, message in fields.items())
    return str(error)


@click.command("create-admin")
@click.argument("email")
@click.option("--password", help="Password for a new account (asked for when omitted).")
@click.option("--name", help="Display name for a new account.")
def create_admin(email, password, name):
    """Create an admin account, or make an existing account an admin."""
    user = User.by_email(email)
    created = user is None
    if created:
        user = User(email=email, name=name or email.split("@")[0])
        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    elif name:
        user.name = name
    user.role = "admin"
    try:
        if password is not None:
            user.set_password(password)
        user.save()
    except ValidationError as error:
        raise click.ClickException(_validation_message(error)) from None
    except NotUniqueError:
        raise click.ClickException(f"{email} is already registered.") from None
    click.echo(f"{'Created' if created else 'Promoted'} admin {user.email}.")


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
    with db.bulk_writes(current_app), audit.bulk(_described("seed demo", seed)):
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
    with db.bulk_writes(current_app), audit.bulk(_described("seed users", seed)):
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
    with db.bulk_writes(current_app), audit.bulk(_described("seed posts", seed)):
        DemoContent(seed).posts(count, authors)
    click.echo(f"Seeded {count} posts.")


def _described(command, seed):
    """The audit history's name for a seed run: one summary entry, not one per document."""
    return f"{command} --seed {seed}" if seed is not None else command


def _print_logins():
    click.echo(f"Log in as the demo admin: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
    click.echo(f"Every other demo user has the password {DEMO_USER_PASSWORD!r}.")


@db_cli.command("ensure-indexes")
def ensure_indexes():
    """Create the indexes every collection declares."""
    try:
        db.ensure_indexes()
    except PyMongoError as error:
        raise click.ClickException(f"Could not create the indexes: {error}") from None
    for document in db.document_classes():
        names = sorted(document._get_collection().index_information())
        click.echo(f"{document._get_collection_name()}: {', '.join(names)}")


@db_cli.command("ping")
def ping():
    """Check that the database answers."""
    mode = current_app.extensions["database_mode"]
    started = time.perf_counter()
    try:
        db.ping()
    except PyMongoError as error:
        raise click.ClickException(f"The database did not answer: {error}") from None
    click.echo(f"ok: {mode} database answered in {(time.perf_counter() - started) * 1000:.1f} ms")


def register_commands(app):
    for command in (create_admin, seed_cli, db_cli):
        app.cli.add_command(command)
