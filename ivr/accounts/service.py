"""The account service both `robocall users` and the web console's sign-in go through.

Sessions are server-side: the browser holds a random token, the database its SHA-256, the user, a CSRF
token and when it expires. Every failed sign-in is counted against the account name and the address;
while either is locked (ivr.accounts.lockout) even the right password is refused.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Callable, Sequence

from ivr.accounts import passwords
from ivr.accounts.lockout import LockRule, locked_until
from ivr.accounts.roles import Role
from ivr.errors import UserError
from ivr.i18n import _
from ivr.storage.accounts import AccountStore, SessionRecord, UserRecord

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


class SignInRefused(UserError):
    """A sign-in that did not succeed: wrong name or password (one message for both), or locked."""

    def __init__(self, message: str, locked_until: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


@dataclass(frozen=True)
class OpenedSession:
    token: str  # what the browser keeps (only its hash is stored)
    session: SessionRecord


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_areas(text: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (text or "").split(",") if a.strip())


class AccountService:
    def __init__(self, store: AccountStore, clock: Callable[[], dt.datetime], *,
                 session_lifetime: dt.timedelta = dt.timedelta(hours=8), rule: LockRule = LockRule()) -> None:
        self.store, self.clock, self.lifetime, self.rule = store, clock, session_lifetime, rule

    # -- managing users ----------------------------------------------------------------------------------
    def add(self, name: str, password: str, role: str, areas: Sequence[str], operator: str) -> UserRecord:
        name = name.strip().lower()
        if not _NAME.match(name):
            raise UserError(_("user name {name!r} is not valid: 2-63 characters a-z, 0-9, dot, hyphen, underscore, "
                              "beginning with a letter or a digit").format(name=name))
        role = _role(role)
        if areas and role != Role.STAFF:
            raise UserError(_("only staff accounts can be limited to communes/wards"))
        return self.store.add_user(name, passwords.hash_password(password), role, list(areas),
                                   operator=operator, now=self.clock())

    def users(self) -> list[UserRecord]:
        return self.store.users()

    def disable(self, name: str, operator: str, disabled: bool = True) -> UserRecord:
        return self.store.update_user(name, operator=operator, now=self.clock(),
                                      action="users.disable" if disabled else "users.enable", disabled=disabled)

    def set_password(self, name: str, password: str, operator: str) -> UserRecord:
        user = self.store.update_user(name, operator=operator, now=self.clock(), action="users.passwd",
                                      password_hash=passwords.hash_password(password))
        self.store.clear_failures("account", user.name)
        return user

    # -- signing in --------------------------------------------------------------------------------------
    def sign_in(self, name: str, password: str, address: str) -> OpenedSession:
        now = self.clock()
        name = name.strip().lower()[:64]
        keys = [("account", name), ("address", address[:120])]
        for kind, key in keys:
            until = locked_until(self.store.failures_since(kind, key, now - self.rule.window), now, self.rule)
            if until is not None:
                raise SignInRefused(_("Sign-in is locked after {n} wrong passwords; try again in {minutes} minutes "
                                      "or ask an admin to reset the password.").format(
                                          n=self.rule.limit, minutes=_minutes(until - now)), until)
        user = self.store.find_user(name)
        if not passwords.verify(user.password_hash if user else None, password) or user is None or user.disabled:
            self.store.add_failure(keys, now)
            raise SignInRefused(_("Wrong user name or password (or the account is disabled)."))
        self.store.clear_failures("account", name)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.store.open_session(token_hash(token), user, csrf, now, now + self.lifetime)
        found = self.store.session(token_hash(token), now)
        assert found is not None
        return OpenedSession(token, found)

    def session(self, token: str | None) -> SessionRecord | None:
        if not token:
            return None
        return self.store.session(token_hash(token), self.clock())

    def sign_out(self, token: str) -> None:
        self.store.close_session(token_hash(token))

    def ensure_demo_user(self, name: str, password: str, operator: str) -> UserRecord:
        """The sandbox demo's login (staff); the caller checks that this is the sandbox."""
        found = self.store.find_user(name)
        if found is None:
            return self.add(name, password, Role.STAFF, (), operator)
        return self.set_password(name, password, operator)


def _role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise UserError(_("role {value!r} does not exist: choose viewer, staff or admin").format(value=value)) from None


def _minutes(delta: dt.timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))
