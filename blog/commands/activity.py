"""``flask activity watch``: print each change as it happens."""
import click

from blog.commands.base import CommandGroup
from blog.services import activity
from blog.store import connection

activity_cli = CommandGroup("activity", help="The feed of changes.")


@activity_cli.command("watch")
@click.option("--backlog", type=click.IntRange(0, 1000), default=10, show_default=True,
              help="Show this many recent changes first.")
@click.option("--interval", type=click.FloatRange(0.05, 60), default=1.0, show_default=True,
              help="Seconds between looks at the audit log, where the server has no "
                   "change streams.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Stop after showing this many changes.")
def watch(backlog, interval, limit):
    """Print each change (time, actor, action, document) as it happens, until Ctrl-C."""
    streamed = connection.supports_change_streams()
    click.echo("Following the change stream" if streamed else
               f"Reading the audit log every {interval:g} s", err=True)
    click.echo("Press Ctrl-C to stop.", err=True)
    feed = activity.changes(backlog, interval, streamed=streamed)
    try:
        for shown, entry in enumerate(feed, start=1):
            click.echo(activity.describe(entry))
            if limit and shown >= limit:
                break
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        feed.close()
