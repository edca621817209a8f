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

from patrol.accounts.records import IssuedSession, Principal, UserRecord
from patrol.accounts.throttle import ThrottlePolicy
from patrol.store import Store, login_throttle

# Modules, not their names: patrol.store.accounts reads this package's values, so whichever of the
# two is imported first, the other is still loading then.
from patrol.store import accounts as stored
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
        self._users = stored.AccountRepository(store.database)
        # argon2-cffi's defaults follow RFC 9106's low-memory profile (64 MiB, 3 passes).
        self._hasher = hasher or PasswordHasher()
        self.policy = policy or ThrottlePolicy()
        self._throttle = login_throttle.LoginThrottleCounts(
            store.database,
            lockout=self.policy.lockout,
            forget_after=timedelta(seconds=self.policy.forget_after_s),
        )
        self.session_lifetime = session_lifetime
        # Checked when the user name is unknown, so a wrong name takes as long as a wrong password.
        self._decoy_hash = self._hasher.hash(secrets.token_hex(16))

    def create_schema(self) -> None:
        """Tests' fast path; a process gets these tables from the migrations (patrol.store.schema)."""
        self._users.create_tables()

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
            return self._users.add_user(
                username=username,
                display_name=display_name,
                role=role,
                jurisdiction_id=jurisdiction_id,
                password_hash=self._hasher.hash(password),
                now=now,
            )
        except stored.UsernameTaken:
            raise UserExists(f"user {username!r} already exists") from None

    def get_user(self, username: str) -> UserRecord | None:
        return self._users.get_user(username)

    def list_users(self) -> list[UserRecord]:
        return self._users.list_users()

    def set_password(self, username: str, password: str, now: datetime) -> None:
        """A new password ends every session of the user."""
        check_password(password)
        if not self._users.set_password_hash(username, self._hasher.hash(password), now):
            raise _unknown(username)

    def disable(self, username: str, now: datetime) -> None:
        """The user can no longer log in; their sessions end and their tokens are revoked."""
        if not self._users.disable(username, now):
            raise _unknown(username)

    # Logging in ----------------------------------------------------------------------------

    def login(self, username: str, password: str, client: str, now: datetime) -> IssuedSession:
        """A new session for the right password; LoginRefused or LoginThrottled otherwise.

        The attempt is counted before its password is checked (see patrol.store.login_throttle),
        so parallel wrong guesses get no more checks than the policy's free failures.
        """
        user_key = f"user:{username.strip().lower()[:100]}"
        address_keys = [(f"address:{client[:100]}", self.policy.address_free_failures)]
        try:
            reserved = self._throttle.reserve(
                [(user_key, self.policy.user_free_failures), *address_keys], now
            )
        except login_throttle.Locked as locked:
            # Refused before the password is even checked: a right one is refused too.
            raise LoginThrottled(max(locked.until - now, timedelta(seconds=1))) from None
        found = self._users.user_with_hash(username.strip().lower())
        user, password_hash = found if found else (None, self._decoy_hash)
        if not self._verify(password_hash, password) or user is None or user.disabled:
            raise LoginRefused(reserved.locks_for)
        self._throttle.succeeded(user_key, address_keys)
        cookie, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires_at = now + self.session_lifetime
        self._users.start_session(
            session_hash=_sha256(cookie),
            user_id=user.id,
            csrf_token=csrf_token,
            now=now,
            expires_at=expires_at,
            client=client[:100],
            rehashed_password=(
                self._hasher.hash(password) if self._hasher.check_needs_rehash(password_hash) else None
            ),
        )
        return IssuedSession(cookie, csrf_token, expires_at, user)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def session_principal(self, cookie: str, now: datetime) -> Principal | None:
        found = self._users.find_session(_sha256(cookie))
        if found is None or found.expires_at <= now or found.user.disabled:
            return None
        return Principal(found.user, "session", found.csrf_token)

    def logout(self, cookie: str) -> None:
        self._users.end_session(_sha256(cookie))

    # API tokens ----------------------------------------------------------------------------

    def issue_token(
        self, username: str, now: datetime, *, label: str = "", lifetime: timedelta | None = None
    ) -> str:
        """A new bearer token for the user; shown once, stored only as its hash."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        if not self._users.add_token(
            username,
            token_hash=_sha256(token),
            label=label[:100],
            now=now,
            expires_at=now + lifetime if lifetime else None,
        ):
            raise _unknown(username)
        return token

    def token_principal(self, token: str, now: datetime) -> Principal | None:
        found = self._users.find_token(_sha256(token))
        if found is None:
            return None
        if found.revoked_at is not None or (found.expires_at is not None and found.expires_at <= now):
            return None
        if found.user.disabled:
            return None
        return Principal(found.user, "token")


def _unknown(username: str) -> UnknownUser:
    return UnknownUser(f"no user {username!r}")
