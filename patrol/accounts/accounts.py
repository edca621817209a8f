"""User accounts: argon2 password hashes, server-side sessions, hashed API tokens, login throttling.

Every method takes `now` rather than reading the clock, so expiry and lock-outs are tested by
moving a clock, not by sleeping.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patrol.accounts.records import IssuedSession, Principal, UserRecord
from patrol.accounts.tables import ACCOUNT_TABLES, ApiTokenRow, SessionRow, UserRow
from patrol.accounts.throttle import ThrottlePolicy
from patrol.accounts.throttle_store import Locked, ThrottleCounts
from patrol.store import Store
from patrol.store.tables import Base
from patrol.types import Role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "spt_"
DEFAULT_SESSION_LIFETIME = timedelta(hours=12)


class AccountError(Exception):
    """A request about accounts that cannot be carried out; the message says why."""


class UserExists(AccountError):
    pass


class UnknownUser(AccountError):
    pass


class LoginRefused(Exception):
    """Wrong user name or password, or a disabled user: the caller is not told which.

    `locked_for` is set when this failure started a lock-out.
    """

    def __init__(self, locked_for: timedelta | None = None) -> None:
        super().__init__("wrong user name or password")
        self.locked_for = locked_for


class LoginThrottled(Exception):
    """Too many failures: no password is checked until `retry_after` has passed."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after.total_seconds():.0f} s")
        self.retry_after = retry_after


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def check_username(username: str) -> str:
    if not USERNAME.match(username):
        raise AccountError(
            f"user name {username!r} must be 2 to 64 lower-case letters, digits, '.', '_' or '-'"
        )
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


class Accounts:
    def __init__(
        self,
        store: Store,
        *,
        hasher: PasswordHasher | None = None,
        policy: ThrottlePolicy | None = None,
        session_lifetime: timedelta = DEFAULT_SESSION_LIFETIME,
    ) -> None:
        self._sessions = store.orm_sessions
        self._engine = store.engine
        # argon2-cffi's defaults follow RFC 9106's low-memory profile (64 MiB, 3 passes).
        self._hasher = hasher or PasswordHasher()
        self.policy = policy or ThrottlePolicy()
        self._throttle = ThrottleCounts(self.policy)
        self.session_lifetime = session_lifetime
        # Checked when the user name is unknown, so a wrong name takes as long as a wrong password.
        self._decoy_hash = self._hasher.hash(secrets.token_hex(16))

    def create_schema(self) -> None:
        """Tests' fast path; a process gets these tables from the migrations (patrol.store.schema)."""
        Base.metadata.create_all(self._engine, tables=ACCOUNT_TABLES)

    # Users ---------------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        role: Role,
        jurisdiction_id: str,
        now: datetime,
        *,
        display_name: str = "",
    ) -> UserRecord:
        check_username(username)
        check_password(password)
        try:
            with self._sessions.begin() as session:
                row = UserRow(
                    username=username,
                    display_name=display_name,
                    role=role.value,
                    jurisdiction_id=jurisdiction_id,
                    password_hash=self._hasher.hash(password),
                    disabled=False,
                    created_at=now,
                    password_changed_at=now,
                )
                session.add(row)
                session.flush()
                return _user(row)
        except IntegrityError:
            raise UserExists(f"user {username!r} already exists") from None

    def get_user(self, username: str) -> UserRecord | None:
        with self._sessions() as session:
            row = self._user_row(session, username)
            return _user(row) if row else None

    def list_users(self) -> list[UserRecord]:
        with self._sessions() as session:
            return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.username))]

    def set_password(self, username: str, password: str, now: datetime) -> None:
        """A new password ends every session of the user."""
        check_password(password)
        with self._sessions.begin() as session:
            row = self._existing(session, username)
            row.password_hash = self._hasher.hash(password)
            row.password_changed_at = now
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))

    def disable(self, username: str, now: datetime) -> None:
        """The user can no longer log in; their sessions end and their tokens are revoked."""
        with self._sessions.begin() as session:
            row = self._existing(session, username)
            row.disabled = True
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            session.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.user_id == row.id, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    # Logging in ----------------------------------------------------------------------------

    def login(self, username: str, password: str, client: str, now: datetime) -> IssuedSession:
        """A new session for the right password; LoginRefused or LoginThrottled otherwise.

        The attempt is counted before its password is checked (see ThrottleCounts), so parallel
        wrong guesses get no more checks than the policy's free failures.
        """
        user_key = f"user:{username.strip().lower()[:100]}"
        address_keys = [(f"address:{client[:100]}", self.policy.address_free_failures)]
        try:
            with self._sessions.begin() as session:
                reserved = self._throttle.reserve(
                    session, [(user_key, self.policy.user_free_failures), *address_keys], now
                )
        except Locked as locked:
            # Refused before the password is even checked: a right one is refused too.
            raise LoginThrottled(max(locked.until - now, timedelta(seconds=1))) from None
        with self._sessions() as session:
            row = self._user_row(session, username.strip().lower())
            user = _user(row) if row else None
            password_hash = row.password_hash if row else self._decoy_hash
        if not self._verify(password_hash, password) or user is None or user.disabled:
            raise LoginRefused(reserved.locks_for)
        with self._sessions.begin() as session:
            self._throttle.succeeded(session, user_key, address_keys)
            if self._hasher.check_needs_rehash(password_hash):
                session.execute(
                    update(UserRow)
                    .where(UserRow.id == user.id)
                    .values(password_hash=self._hasher.hash(password))
                )
            cookie, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            expires_at = now + self.session_lifetime
            session.add(
                SessionRow(
                    id=_sha256(cookie),
                    user_id=user.id,
                    csrf_token=csrf_token,
                    created_at=now,
                    expires_at=expires_at,
                    client=client[:100],
                )
            )
            # Expired sessions of everyone are swept on each login; nothing else needs a timer.
            session.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
        return IssuedSession(cookie, csrf_token, expires_at, user)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def session_principal(self, cookie: str, now: datetime) -> Principal | None:
        with self._sessions() as session:
            found = session.execute(
                select(SessionRow, UserRow)
                .join(UserRow, UserRow.id == SessionRow.user_id)
                .where(SessionRow.id == _sha256(cookie))
            ).first()
            if found is None:
                return None
            row, user_row = found
            if row.expires_at <= now or user_row.disabled:
                return None
            return Principal(_user(user_row), "session", row.csrf_token)

    def logout(self, cookie: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(SessionRow).where(SessionRow.id == _sha256(cookie)))

    # API tokens ----------------------------------------------------------------------------

    def issue_token(
        self, username: str, now: datetime, *, label: str = "", lifetime: timedelta | None = None
    ) -> str:
        """A new bearer token for the user; shown once, stored only as its hash."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._sessions.begin() as session:
            row = self._existing(session, username)
            session.add(
                ApiTokenRow(
                    user_id=row.id,
                    label=label[:100],
                    token_hash=_sha256(token),
                    created_at=now,
                    expires_at=now + lifetime if lifetime else None,
                )
            )
        return token

    def token_principal(self, token: str, now: datetime) -> Principal | None:
        with self._sessions() as session:
            found = session.execute(
                select(ApiTokenRow, UserRow)
                .join(UserRow, UserRow.id == ApiTokenRow.user_id)
                .where(ApiTokenRow.token_hash == _sha256(token))
            ).first()
            if found is None:
                return None
            row, user_row = found
            if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
                return None
            if user_row.disabled:
                return None
            return Principal(_user(user_row), "token")

    # Internals ------------------------------------------------------------------------------

    @staticmethod
    def _user_row(session: Session, username: str) -> UserRow | None:
        return session.scalars(select(UserRow).where(UserRow.username == username)).first()

    def _existing(self, session: Session, username: str) -> UserRow:
        row = self._user_row(session, username)
        if row is None:
            raise UnknownUser(f"no user {username!r}")
        return row


def _user(row: UserRow) -> UserRecord:
    return UserRecord(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        jurisdiction_id=row.jurisdiction_id,
        disabled=row.disabled,
        created_at=row.created_at,
    )
