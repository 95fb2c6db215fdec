"""What every page shares: form and query-parameter helpers (``forms``),
security headers, safe redirects and access rules (``security``), template
filters (``templating``) and the per-request count of database operations
(``timing``)."""
