"""The JSON API: published posts for everyone (``routes``), users, statistics and the audit
history for admins (``admin``), described as OpenAPI (``openapi``) in ``schemas``' terms."""
