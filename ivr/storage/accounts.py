"""Console accounts: staff who sign in to `robocall web`, their server-side sessions, failed sign-ins.

Storage only: the rules (who may do what, when sign-in locks, how passwords are hashed) live in
ivr.accounts. A session is stored under the SHA-256 of its token, so a copy of the database does not let
anyone take over a signed-in browser.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ivr.errors import UserError
from ivr.i18n import _
from ivr.storage import models as m
from ivr.storage.base import StoreBase
from ivr.storage.types import UtcDateTime

ROLES = ("viewer", "staff", "admin")


class WebUser(m.Base):
    __tablename__ = "web_users"
    __table_args__ = (CheckConstraint(m._one_of("role", ROLES), name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(8))
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # communes/wards a staff member sees; [] = all
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class WebSession(m.Base):
    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


class LoginFailure(m.Base):
    """One wrong sign-in, counted against the account name and against the address it came from."""

    __tablename__ = "web_login_failures"
    __table_args__ = (Index(None, "kind", "key", "at"),
                      CheckConstraint("kind IN ('account', 'address')", name="kind"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    role: str
    areas: tuple[str, ...]
    disabled: bool
    password_hash: str
    created_at: dt.datetime


@dataclass(frozen=True)
class SessionRecord:
    token_hash: str
    user: UserRecord
    csrf: str
    expires_at: dt.datetime


def _user(row: WebUser) -> UserRecord:
    return UserRecord(row.id, row.name, row.role, tuple(row.areas or ()), row.disabled, row.password_hash,
                      row.created_at)


class AccountStore(StoreBase):
    """Storage API of console accounts. Every method is one transaction."""

    # -- users -------------------------------------------------------------------------------------------
    def add_user(self, name: str, password_hash: str, role: str, areas: Sequence[str], *, operator: str,
                 now: dt.datetime) -> UserRecord:
        with self._write() as s:
            if s.scalar(select(WebUser).where(WebUser.name == name)) is not None:
                raise UserError(_("account {name!r} already exists").format(name=name))
            row = WebUser(name=name, password_hash=password_hash, role=role, areas=list(areas), disabled=False,
                          created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            self._audit(s, operator, "users.add", f"user:{name} role={role}", 0, now)
            return _user(row)

    def users(self) -> list[UserRecord]:
        with self._read() as s:
            return [_user(u) for u in s.scalars(select(WebUser).order_by(WebUser.name))]

    def find_user(self, name: str) -> UserRecord | None:
        with self._read() as s:
            row = s.scalar(select(WebUser).where(WebUser.name == name))
            return _user(row) if row else None

    def update_user(self, name: str, *, operator: str, now: dt.datetime, action: str,
                    **values: Any) -> UserRecord:
        """Change a user's password hash, role, areas or disabled flag; disabling or a new password ends
        the user's sessions."""
        with self._write() as s:
            row = s.scalar(select(WebUser).where(WebUser.name == name))
            if row is None:
                raise UserError(_("no account {name!r} (see: robocall users list)").format(name=name))
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
            if "password_hash" in values or values.get("disabled"):
                s.execute(delete(WebSession).where(WebSession.user_id == row.id))
            self._audit(s, operator, action, f"user:{name}", 0, now)
            return _user(row)

    # -- sessions ----------------------------------------------------------------------------------------
    def open_session(self, token_hash: str, user: UserRecord, csrf: str, now: dt.datetime,
                     expires_at: dt.datetime) -> None:
        """A new session for ``user``, recorded in the audit log (sign-ins are who-did-what too)."""
        with self._write() as s:
            s.execute(delete(WebSession).where(WebSession.expires_at <= now))  # expired ones go on the way
            s.add(WebSession(token_hash=token_hash, user_id=user.id, csrf=csrf, created_at=now,
                             expires_at=expires_at))
            self._audit(s, user.name, "web.sign_in", f"user:{user.name}", 0, now)

    def session(self, token_hash: str, now: dt.datetime) -> SessionRecord | None:
        """The live session of that token, None if there is none, it has expired or its user is disabled."""
        with self._read() as s:
            found = s.execute(select(WebSession, WebUser).join(WebUser, WebUser.id == WebSession.user_id)
                              .where(WebSession.token_hash == token_hash, WebSession.expires_at > now,
                                     WebUser.disabled.is_(False))).first()
            if found is None:
                return None
            sess, user = found
            return SessionRecord(sess.token_hash, _user(user), sess.csrf, sess.expires_at)

    def close_session(self, token_hash: str) -> None:
        with self._write() as s:
            s.execute(delete(WebSession).where(WebSession.token_hash == token_hash))

    # -- failed sign-ins ---------------------------------------------------------------------------------
    def add_failure(self, keys: Sequence[tuple[str, str]], at: dt.datetime) -> None:
        with self._write() as s:
            s.add_all([LoginFailure(kind=kind, key=key, at=at) for kind, key in keys])

    def failures_since(self, kind: str, key: str, since: dt.datetime) -> list[dt.datetime]:
        """Times of the failures of one account or address since ``since``, oldest first."""
        with self._read() as s:
            return list(s.scalars(select(LoginFailure.at).where(LoginFailure.kind == kind, LoginFailure.key == key,
                                                                 LoginFailure.at >= since)
                                  .order_by(LoginFailure.at)))

    def clear_failures(self, kind: str, key: str) -> None:
        with self._write() as s:
            s.execute(delete(LoginFailure).where(LoginFailure.kind == kind, LoginFailure.key == key))

    def count_users(self) -> int:
        with self._read() as s:
            return int(s.scalar(select(func.count()).select_from(WebUser)) or 0)
