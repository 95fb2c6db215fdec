"""``flask create-admin``: an admin account from the command line."""
import click
from mongoengine import NotUniqueError, ValidationError

from blog.commands.base import command
from blog.models import User
from blog.models.base import field_messages


def _validation_message(error):
    fields = field_messages(error)
    if fields:
        return "; ".join(f"{name}: {message}" for name, message in fields.items())
    return str(error)


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
