"""Passwords: argon2id hashes, and what a password must be."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are RFC 9106's second recommended option: argon2id,
# 3 passes over 64 MiB.
_hasher = PasswordHasher()
# Verified when no account has the login given, so that a wrong address takes as
# long to refuse as a wrong password (the answer must not tell which was wrong).
_NOBODY = _hasher.hash("no account has this password")

MIN_LENGTH = 10
MAX_LENGTH = 200


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _NOBODY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str) -> str | None:
    """Why ``password`` cannot be used, in words for the person choosing it."""
    if len(password) < MIN_LENGTH:
        return (
            f"The password has {len(password)} characters; use at least {MIN_LENGTH}. "
            "A few ordinary words in a row are easy to remember and hard to guess."
        )
    if len(password) > MAX_LENGTH:
        return f"The password is longer than {MAX_LENGTH} characters; use a shorter one."
    if password.strip().lower() == email.strip().lower():
        return "The password must not be your email address."
    return None
