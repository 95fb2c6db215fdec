"""``flask create-admin`` and ``flask users``: accounts from the command line."""
import click
from mongoengine import NotUniqueError, ValidationError

from blog.commands.base import CommandGroup, command
from blog.models import User
from blog.models.base import field_messages
from blog.services import accounts

users_cli = CommandGroup("users", help="List accounts, set a password, delete an account.")


def _validation_message(error):
    fields = field_messages(error)
    if fields:
        return "; ".join(f"{name}: {message}" for name, message in fields.items())
    return str(error)


def _user(email):
    user = User.by_email(email)
    if user is None:
        raise click.ClickException(f"No account uses {email}.")
    return user


@command("create-admin")
@click.argument("email")
@click.option("--password", help="Password for a new account (asked for when omitted).")
@click.option("--name", help="Display name for a new account.")
def create_admin(email, password, name):
    """Create an admin account, or make an existing account an admin."""
    user = User.by_email(email)
    created = user is None
    was_admin = not created and user.is_admin
    if created:
        user = User(email=email, name=name or email.split("@")[0])
        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    elif name:
        user.name = name
    if was_admin and password is None and not name:
        click.echo(f"{user.email} is already an admin.")
        return
    user.role = "admin"
    try:
        if password is not None:
            user.set_password(password)
        user.save()
    except ValidationError as error:
        raise click.ClickException(_validation_message(error)) from None
    except NotUniqueError:
        raise click.ClickException(f"{email} is already registered.") from None
    if created:
        click.echo(f"Created admin {user.email}.")
    elif was_admin:
        changed = " and ".join(word for word, given in (("password", password is not None),
                                                         ("name", name)) if given)
        click.echo(f"{user.email} is already an admin; changed the {changed}.")
    else:
        click.echo(f"Promoted admin {user.email}.")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", help="The new password (asked for twice when omitted).")
def set_password(email, password):
    """Give an account a new password; every session of the account ends."""
    user = _user(email)
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.set_password(user, password)
    except ValidationError as error:
        raise click.ClickException(_validation_message(error)) from None
    click.echo(f"Set a new password for {user.email}; every session of the account has ended.")


@users_cli.command("list")
@click.option("--search", default="", help="Only accounts whose email or name contains this.")
def list_users(search):
    """Every account, newest first: email, name, role, points, posts, when it was made."""
    users = list(accounts.find_users(search[:accounts.MAX_SEARCH]))
    posts = accounts.post_counts(users)
    rows = [("EMAIL", "NAME", "ROLE", "POINTS", "POSTS", "JOINED")]
    rows += [(user.email, user.name, user.role, str(user.points), str(posts[user.pk]),
              f"{user.created_at:%Y-%m-%d}") for user in users]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join([value.ljust(width) for value, width in zip(row, widths)]
                             + [row[-1]]))
    click.echo(f"{len(users)} account{'' if len(users) == 1 else 's'}")


@users_cli.command("delete")
@click.argument("email")
def delete_user(email):
    """Delete an account with its posts (not the last admin)."""
    user = _user(email)
    if accounts.is_last_admin(user):
        raise click.ClickException(f"{user.email} is the only admin: make another account an "
                                   "admin first (flask create-admin EMAIL).")
    try:
        accounts.delete_account(user)
    except accounts.LastAdminError:
        raise click.ClickException(f"{user.email} is the only admin.") from None
    click.echo(f"Deleted {user.email} and their posts.")
