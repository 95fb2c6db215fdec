"""What every page shares: form and query-parameter helpers (``forms``),
security headers, safe redirects and access rules (``security``), template
filters (``templating``), the per-request count of database operations
(``timing``), absolute addresses from SITE_URL (``links``) and stylesheets'
fingerprinted addresses (``fingerprints``)."""
