"""Failed logins, counted per account and address.

After ``LOGIN_FAILURES_PER_ACCOUNT`` failures for one account from one address,
that address gets 429 for that account until the window ends; the owner, from
any other address, still gets in, so nobody can lock someone else out.

An attempt is counted as a failure before its password is checked, in one
atomic increment of the rate-limit storage (memory or Redis), and a successful
login clears its count: of many simultaneous guesses, no more than the limit
reach the password check.
"""
import logging
import math
import time

from flask import current_app
from limits import parse
from redis import RedisError

from blog.extensions import limiter

log = logging.getLogger("blog.auth")

NAMESPACE = "login-failures"
SETTING = "LOGIN_FAILURES_PER_ACCOUNT"


class TooManyFailures(Exception):
    """This address has used up its failed logins for this account."""

    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def message(self):
        minutes = max(1, math.ceil(self.retry_after / 60))
        return (f"Too many failed logins for this account from your address. Try again in "
                f"{minutes} minute{'s' if minutes != 1 else ''}, or reset the password.")


def _limit(setting):
    return parse(current_app.config[setting])


def _counting():
    return current_app.config["RATELIMIT_ENABLED"]


def claim(account, address, setting=SETTING, namespace=NAMESPACE):
    """Count one failure for (account, address) before the password is checked.

    Raises ``TooManyFailures`` when the pair had already used up its failures.
    A storage that cannot be reached counts nothing (as the other rate limits
    do with RATELIMIT_SWALLOW_ERRORS); the per-address attempt limit still holds.
    Other checks of a password (the account settings pages) keep counts of
    their own, under another ``namespace`` and limit ``setting``.
    """
    if not _counting():
        return
    limit = _limit(setting)
    try:
        if limiter.limiter.hit(limit, namespace, account, address):
            return
        reset_at = limiter.limiter.get_window_stats(limit, namespace, account, address).reset_time
    except (RedisError, OSError) as error:
        log.warning("login failures could not be counted: %s", error)
        return
    raise TooManyFailures(retry_after=max(1, math.ceil(reset_at - time.time())))


def succeeded(account, address, setting=SETTING, namespace=NAMESPACE):
    """The password was right: this pair's count of failures starts again."""
    if not _counting():
        return
    try:
        limiter.limiter.clear(_limit(setting), namespace, account, address)
    except (RedisError, OSError) as error:
        log.warning("login failures could not be cleared: %s", error)
