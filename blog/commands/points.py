"""``flask points recover``: finish or cancel transfers that a crash cut short."""
import click

from blog.commands.base import CommandGroup
from blog.services import points

points_cli = CommandGroup("points", help="Kudos points.")


@points_cli.command("recover")
@click.option("--older-than", type=click.IntRange(min=0), default=0, show_default=True,
              help="Leave transfers younger than this many seconds (other processes may be "
                   "making them).")
def recover(older_than):
    """Finish transfers whose points left the sender; cancel those where nothing moved."""
    outcomes = points.recover(older_than)
    if not sum(outcomes.values()):
        click.echo("No transfer was left half done.")
        return
    click.echo(f"Transfers left half done: {outcomes[points.FINISHED]} finished, "
               f"{outcomes[points.CANCELLED]} cancelled.")
