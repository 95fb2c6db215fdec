"""What every ``flask`` command shares: it runs in an app context, its changes
are audited as made by ``cli``, and a missing setting or a store another
process holds is one line of explanation rather than a traceback."""
import functools
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from blog.models.audit import CLI
from blog.services import audit
from blog.store.embedded_file import EmbeddedStoreBusy


def as_cli(callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        problem = current_app.extensions.get("configuration_problem")
        if problem:
            raise click.ClickException(problem)
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


def progress(length, label, unit):
    """A progress bar for a long command: the count done, the rate and the time left.

    Drawn on a terminal only; elsewhere (a pipe, a log) click prints the label once.
    """
    started = time.perf_counter()
    bar = click.progressbar(length=length, label=label, show_pos=True, show_eta=True)

    def rate(_item):
        elapsed = time.perf_counter() - started
        if not bar.pos or elapsed <= 0:
            return None
        return f"{bar.pos / elapsed:,.0f} {unit}/s"
    bar.item_show_func = rate
    return bar
