"""What every ``flask`` command shares: it runs in an app context, its changes
are audited as made by ``cli``, and a store another process holds is one line
of explanation rather than a traceback."""
import functools

import click
from flask.cli import AppGroup, with_appcontext

from blog.models.audit import CLI
from blog.services import audit
from blog.store.embedded_file import EmbeddedStoreBusy


def as_cli(callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            with audit.acting_as(CLI):
                return callback(*args, **kwargs)
        except EmbeddedStoreBusy as busy:
            raise click.ClickException(str(busy)) from None
    return run


class CommandGroup(AppGroup):
    """A group of commands, each run by ``as_cli`` in an app context."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda callback: register(as_cli(callback))


def command(name):
    """A command of its own (outside any group), run like those of a CommandGroup."""
    def decorator(callback):
        return click.command(name)(with_appcontext(as_cli(callback)))
    return decorator
