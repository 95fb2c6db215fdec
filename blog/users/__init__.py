"""Profiles, profile settings and kudos."""
