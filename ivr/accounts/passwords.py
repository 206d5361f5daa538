"""Password hashing (argon2id, argon2-cffi's defaults) and the minimum a password must be."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ivr.errors import UserError
from ivr.i18n import _

MIN_LENGTH = 10
_HASHER = PasswordHasher()


@cache
def dummy_hash() -> str:
    """Verified when the account does not exist, so a wrong name takes as long as a wrong password. Made on
    first use (0.2 s of argon2: not at import, which every command paid); the web console makes it at start
    so that its first wrong name is not slower than the next."""
    return _HASHER.hash("not-a-password-of-anyone")


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise UserError(_("password too short: at least {n} characters").format(n=MIN_LENGTH))


def hash_password(password: str) -> str:
    check_strength(password)
    return _HASHER.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
