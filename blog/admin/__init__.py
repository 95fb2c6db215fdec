"""Admin pages: statistics, user management and the audit history."""
