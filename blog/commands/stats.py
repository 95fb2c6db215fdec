"""``flask stats recount``: rebuild the counters the statistics and tag counts read."""
import click

from blog.cache.values import forget
from blog.commands.base import CommandGroup
from blog.models.base import STATISTICS, TAG_COUNTS
from blog.services import counts

stats_cli = CommandGroup("stats", help="The counters behind the statistics and tag counts.")


@stats_cli.command("recount")
def recount():
    """Count every user and post again and set the counters to the result.

    The counters move with every save and delete the app makes; recount after
    writing to the database around the app (mongoimport, a script), or to check them.
    """
    read = counts.recount()
    forget(TAG_COUNTS, STATISTICS)
    click.echo(f"Recounted {read} document{'' if read == 1 else 's'}.")
