"""Readers' comments: their writes and the lists pages show (operations), editing and
deleting one (routes), and the moderators' queue (queue)."""
