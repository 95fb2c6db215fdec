"""``flask search reindex``: render every post again and rebuild its stored search terms
and excerpt."""
import click

from blog.cache import values
from blog.commands.base import CommandGroup, progress
from blog.models import Post
from blog.text.markdown import TooComplex, excerpt, render_markdown

BATCH_SIZE = 200

search_cli = CommandGroup("search", help="Full-text search.")


@search_cli.command("reindex")
def reindex():
    """Render every post again and rebuild its search terms and excerpt, for posts saved
    before the rendering or the analyser changed (or IMAGE_HOSTS).

    Only those fields are written: the posts' contents and dates stay as they are. A post
    whose text is now more than can be formatted at once keeps the HTML it had.
    """
    ids = list(Post.objects.order_by("id").scalar("id"))
    updated = kept = 0
    with progress(len(ids), "Reindexing posts", "posts") as bar:
        # In batches, so a large blog's texts are never all in memory at once.
        for start in range(0, len(ids), BATCH_SIZE):
            batch = Post.objects(id__in=ids[start:start + BATCH_SIZE]).only(
                "title", "tags", "content", "html")
            for post in batch:
                try:
                    post.html = render_markdown(post.content)
                except TooComplex:
                    kept += 1
                fields = {"html": post.html, **post.search_fields(),
                          "excerpt": excerpt(post.html)}
                Post.objects(id=post.pk).update_one(
                    **{f"set__{name}": value for name, value in fields.items()})
                updated += 1
                bar.update(1)
    # The writes above send no signals: the pages showing the posts are forgotten here.
    values.forget(*Post().stale_groups())
    click.echo(f"Reindexed {updated} post{'' if updated == 1 else 's'}.")
    if kept:
        click.echo(f"{kept} post{' keeps' if kept == 1 else 's keep'} the HTML it had: its "
                   f"text is more than can be formatted at once.")
