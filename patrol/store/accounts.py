"""Users, their browser sessions and API tokens as stored: only hashes, never a password, a cookie
or a token. Hashing and every decision about them is patrol.accounts' business."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patrol.accounts.records import UserRecord
from patrol.store.account_tables import ACCOUNT_TABLES, ApiTokenRow, SessionRow, UserRow
from patrol.store.database import Database
from patrol.store.tables import Base
from patrol.types import Role


class UsernameTaken(Exception):
    pass


@dataclass(frozen=True)
class StoredSession:
    user: UserRecord
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class StoredToken:
    user: UserRecord
    expires_at: datetime | None
    revoked_at: datetime | None


class AccountRepository:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._sessions = database.sessions

    def create_tables(self) -> None:
        """Tests' fast path; a process gets these tables from the migrations (patrol.store.schema)."""
        Base.metadata.create_all(self._engine, tables=ACCOUNT_TABLES)

    # Users ---------------------------------------------------------------------------------

    def add_user(
        self,
        *,
        username: str,
        display_name: str,
        role: Role,
        jurisdiction_id: str,
        password_hash: str,
        now: datetime,
    ) -> UserRecord:
        try:
            with self._sessions.begin() as session:
                row = UserRow(
                    username=username,
                    display_name=display_name,
                    role=role.value,
                    jurisdiction_id=jurisdiction_id,
                    password_hash=password_hash,
                    disabled=False,
                    created_at=now,
                    password_changed_at=now,
                )
                session.add(row)
                session.flush()
                return _user(row)
        except IntegrityError:
            raise UsernameTaken(username) from None

    def get_user(self, username: str) -> UserRecord | None:
        with self._sessions() as session:
            row = _user_row(session, username)
            return _user(row) if row else None

    def user_with_hash(self, username: str) -> tuple[UserRecord, str] | None:
        """The user and their password hash, for checking a password."""
        with self._sessions() as session:
            row = _user_row(session, username)
            return (_user(row), row.password_hash) if row else None

    def list_users(self) -> list[UserRecord]:
        with self._sessions() as session:
            return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.username))]

    def set_password_hash(self, username: str, password_hash: str, now: datetime) -> bool:
        """The new hash, and every session of the user ended; False if there is no such user."""
        with self._sessions.begin() as session:
            row = _user_row(session, username)
            if row is None:
                return False
            row.password_hash = password_hash
            row.password_changed_at = now
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            return True

    def disable(self, username: str, now: datetime) -> bool:
        """The user disabled, their sessions ended, their tokens revoked; False if there is no such user."""
        with self._sessions.begin() as session:
            row = _user_row(session, username)
            if row is None:
                return False
            row.disabled = True
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            session.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.user_id == row.id, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return True

    # Sessions ------------------------------------------------------------------------------

    def start_session(
        self,
        *,
        session_hash: str,
        user_id: int,
        csrf_token: str,
        now: datetime,
        expires_at: datetime,
        client: str,
        rehashed_password: str | None = None,
    ) -> None:
        """A new session (with the password's new hash, when it was rehashed); sessions expired by
        `now`, everyone's, are swept with it, so nothing else needs a timer."""
        with self._sessions.begin() as session:
            if rehashed_password is not None:
                session.execute(
                    update(UserRow).where(UserRow.id == user_id).values(password_hash=rehashed_password)
                )
            session.add(
                SessionRow(
                    id=session_hash,
                    user_id=user_id,
                    csrf_token=csrf_token,
                    created_at=now,
                    expires_at=expires_at,
                    client=client,
                )
            )
            session.execute(delete(SessionRow).where(SessionRow.expires_at <= now))

    def find_session(self, session_hash: str) -> StoredSession | None:
        with self._sessions() as session:
            found = session.execute(
                select(SessionRow, UserRow)
                .join(UserRow, UserRow.id == SessionRow.user_id)
                .where(SessionRow.id == session_hash)
            ).first()
            if found is None:
                return None
            row, user_row = found
            return StoredSession(_user(user_row), row.csrf_token, row.expires_at)

    def end_session(self, session_hash: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(SessionRow).where(SessionRow.id == session_hash))

    # API tokens ----------------------------------------------------------------------------

    def add_token(
        self, username: str, *, token_hash: str, label: str, now: datetime, expires_at: datetime | None
    ) -> bool:
        """False if there is no such user."""
        with self._sessions.begin() as session:
            row = _user_row(session, username)
            if row is None:
                return False
            session.add(
                ApiTokenRow(
                    user_id=row.id,
                    label=label,
                    token_hash=token_hash,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            return True

    def find_token(self, token_hash: str) -> StoredToken | None:
        with self._sessions() as session:
            found = session.execute(
                select(ApiTokenRow, UserRow)
                .join(UserRow, UserRow.id == ApiTokenRow.user_id)
                .where(ApiTokenRow.token_hash == token_hash)
            ).first()
            if found is None:
                return None
            row, user_row = found
            return StoredToken(_user(user_row), row.expires_at, row.revoked_at)


def _user_row(session: Session, username: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.username == username)).first()


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
