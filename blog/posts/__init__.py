"""Reading and writing posts: the home page, posts, tags and feeds."""
