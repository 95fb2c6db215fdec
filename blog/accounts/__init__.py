"""Accounts people look after themselves: resetting and changing a password, changing the
address, taking their data away and deleting the account."""
