"""``flask points recover``: finish or cancel transfers that a crash cut short."""
import click
from flask import current_app

from blog.commands.base import CommandGroup
from blog.services import points
from blog.store import connection

points_cli = CommandGroup("points", help="Kudos points.")


@points_cli.command("recover")
@click.option("--older-than", type=click.IntRange(min=0), default=None,
              help="Leave transfers younger than this many seconds (other processes may be "
                   "making them). Default: POINTS_RECOVERY_AGE on a MongoDB server; on the "
                   "embedded store, which no other process can use meanwhile, 0.")
def recover(older_than):
    """Finish transfers whose points left the sender; cancel those where nothing moved.

    On a MongoDB server, a transfer another process is still moving on (its
    lease has not run out) is left to it, however old.
    """
    sole_process = current_app.extensions["database_mode"] != connection.SERVER
    if older_than is None and sole_process:
        older_than = 0
    outcomes = points.recover(older_than, sole_process=sole_process)
    if not sum(outcomes.values()):
        click.echo("No transfer was left half done.")
        return
    click.echo(f"Transfers left half done: {outcomes[points.FINISHED]} finished, "
               f"{outcomes[points.CANCELLED]} cancelled.")
