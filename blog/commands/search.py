"""``flask search reindex``: rebuild every post's stored search terms and excerpt."""
import click

from blog.commands.base import CommandGroup, progress
from blog.models import Post
from blog.text.markdown import excerpt

BATCH_SIZE = 200

search_cli = CommandGroup("search", help="Full-text search.")


@search_cli.command("reindex")
def reindex():
    """Rebuild every post's search terms and excerpt, for posts saved before they changed.

    Only those fields are written: the posts' contents and dates stay as they are.
    """
    ids = list(Post.objects.order_by("id").scalar("id"))
    updated = 0
    with progress(len(ids), "Reindexing posts", "posts") as bar:
        # In batches, so a large blog's texts are never all in memory at once.
        for start in range(0, len(ids), BATCH_SIZE):
            batch = Post.objects(id__in=ids[start:start + BATCH_SIZE]).only(
                "title", "tags", "content", "html")
            for post in batch:
                fields = {**post.search_fields(), "excerpt": excerpt(post.html)}
                Post.objects(id=post.pk).update_one(
                    **{f"set__{name}": value for name, value in fields.items()})
                updated += 1
                bar.update(1)
    click.echo(f"Reindexed {updated} post{'' if updated == 1 else 's'}.")
