"""The cache: values kept exact by versioned groups (``values``), whole pages
for visitors who are not logged in (``pages``), and which groups each change
to a document makes stale (``invalidation``). Redis when ``REDIS_URL`` is
set, process memory on the embedded store, nothing on a server without Redis.
"""
