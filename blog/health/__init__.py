"""``GET /healthz``: whether the database and the cache answer."""
