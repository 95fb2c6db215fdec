"""Passwords too easily guessed, as NIST SP 800-63B has a verifier check them.

No composition rules (a digit, a capital …): length is what makes a password
strong. What is refused is what an attacker tries first: the most common
passwords (``common-passwords.txt``, compared without regard to case), one
character repeated and a straight run (``abcdefgh``, ``98765432``).
"""
import os
from functools import cache

COMMON_PASSWORDS_FILE = os.path.join(os.path.dirname(__file__), "common-passwords.txt")
COMMON = ("That is one of the 10,000 most common passwords, which are the first ones tried "
          "when guessing. Choose another: a few unrelated words make a strong one.")
REPEATED = "A password of one character repeated is guessed at once. Choose another."
RUN = ("A password that runs straight along the alphabet or the digits is guessed at once. "
       "Choose another.")


@cache
def common_passwords():
    with open(COMMON_PASSWORDS_FILE, encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines if not line.startswith("#"))


def guessable(password):
    """Why ``password`` would be guessed early, or None."""
    if password.casefold() in common_passwords():
        return COMMON
    if len(set(password)) == 1:
        return REPEATED
    steps = {ord(after) - ord(before) for before, after in zip(password, password[1:])}
    if steps in ({1}, {-1}):
        return RUN
    return None
