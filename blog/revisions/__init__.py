"""Earlier versions of posts: kept on every change (operations), listed, compared with
the current text and restored (routes)."""
