"""``flask db``: database maintenance."""
import time

import click
from flask import current_app
from pymongo.errors import PyMongoError

from blog.commands.base import CommandGroup
from blog.models import document_classes, ensure_indexes as create_indexes
from blog.store import connection

db_cli = CommandGroup("db", help="Database maintenance.")


@db_cli.command("ensure-indexes")
def ensure_indexes():
    """Create the indexes every collection declares."""
    try:
        create_indexes()
    except PyMongoError as error:
        raise click.ClickException(f"Could not create the indexes: {error}") from None
    for document in document_classes():
        names = sorted(document._get_collection().index_information())
        click.echo(f"{document._get_collection_name()}: {', '.join(names)}")


@db_cli.command("ping")
def ping():
    """Check that the database answers."""
    mode = current_app.extensions["database_mode"]
    started = time.perf_counter()
    try:
        connection.ping()
    except PyMongoError as error:
        raise click.ClickException(f"The database did not answer: {error}") from None
    click.echo(f"ok: {mode} database answered in {(time.perf_counter() - started) * 1000:.1f} ms")
