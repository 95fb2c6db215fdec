"""``flask db``: database maintenance, and moving a blog between databases."""
import time

import click
from flask import current_app
from mongoengine.connection import get_db
from pymongo.errors import PyMongoError

from blog.cache.values import forget
from blog.commands.base import CommandGroup
from blog.models import User, document_classes, ensure_indexes as create_indexes
from blog.models.base import PAGES, STATISTICS, TAG_COUNTS, user_group
from blog.models.counter import Counter
from blog.services import counts as counters, indexes
from blog.store import connection, exchange

db_cli = CommandGroup("db", help="Database maintenance.")


@db_cli.command("ensure-indexes")
@click.option("--drop-extra", is_flag=True,
              help="Also drop the indexes on the server that no document declares.")
def ensure_indexes(drop_extra):
    """Create the indexes every collection declares, and list (or drop) those it does not."""
    try:
        create_indexes()
        surplus = indexes.extra()
        if drop_extra:
            indexes.drop(surplus)
    except PyMongoError as error:
        raise click.ClickException(f"Could not create the indexes: {error}") from None
    for document in document_classes():
        names = sorted(document._get_collection().index_information())
        click.echo(f"{document._get_collection_name()}: {', '.join(names)}")
    if not surplus:
        return
    named = ", ".join(f"{document._get_collection_name()}.{name}" for document, name in surplus)
    if drop_extra:
        click.echo(f"Dropped the indexes no document declares: {named}.")
    else:
        click.echo(f"Indexes no document declares (every write keeps them up to date; "
                   f"--drop-extra drops them): {named}.")


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


@db_cli.command("export")
@click.argument("folder")
def export_database(folder):
    """Write every collection to FOLDER/<collection>.jsonl (canonical Extended JSON lines,
    GridFS included), as mongoimport and `flask db import` read them."""
    try:
        written = exchange.export(get_db(), folder)
    except (exchange.ExchangeError, OSError, PyMongoError) as error:
        raise click.ClickException(f"Could not export: {error}") from None
    for name, count in written:
        click.echo(f"{name}: {count} documents")
    click.echo(f"Exported {sum(count for _, count in written)} documents from "
               f"{len(written)} collections to {folder}.")


@db_cli.command("import")
@click.argument("folder")
@click.option("--replace", is_flag=True,
              help="Remove everything in the database first; without it, it must be empty.")
def import_database(folder, replace):
    """Load an export (FOLDER/<collection>.jsonl) into the configured database."""
    db = get_db()
    # The counters are not content: they are counted again from what is imported.
    derived = Counter._get_collection_name()
    try:
        collections = exchange.exported_collections(folder)
        collections.pop(derived, None)
        occupied = [name for name in exchange.collection_names(db)
                    if name != derived and db[name].estimated_document_count()]
        if occupied and not replace:
            raise exchange.ExchangeError(
                f"The database already holds documents (in {', '.join(occupied)}). Import "
                f"into an empty database, or add --replace to remove them first.")
        counts = exchange.check(collections, _unique_keys())
        users_before = db["user"].distinct("_id") if replace else []
        with connection.bulk_writes():
            for name in [*occupied, derived]:
                db.drop_collection(name)
            exchange.load(db, collections)
        create_indexes()
        counters.recount()
    except (exchange.ExchangeError, OSError, PyMongoError) as error:
        raise click.ClickException(f"Could not import: {error}") from None
    users = set(users_before) | set(User.objects.scalar("id"))
    forget(PAGES, TAG_COUNTS, STATISTICS, *(user_group(user_id) for user_id in users))
    for name, count in counts.items():
        click.echo(f"{name}: {count} documents")
    click.echo(f"Imported {sum(counts.values())} documents into {len(counts)} collections.")


def _unique_keys():
    """``{collection: [(fields, sparse)]}``: the unique indexes the documents declare."""
    keys = {}
    for document in document_classes():
        for spec in document._meta.get("index_specs", ()):
            if spec.get("unique") and "partialFilterExpression" not in spec:
                fields = tuple(field for field, _ in spec["fields"])
                keys.setdefault(document._get_collection_name(), []).append(
                    (fields, bool(spec.get("sparse"))))
    return keys
