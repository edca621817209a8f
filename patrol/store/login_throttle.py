"""The login throttle's counts, kept so that parallel attempts cannot slip past a lock.

An attempt is counted as a failure before its password is checked, in one upsert that refuses
while a lock is in force; the attempt that reaches the limit sets the lock in the same
transaction, so a burst of parallel guesses gets no more checks than the limit allows. A success
takes its count back. The upsert (INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING) runs
as one statement on SQLite and on PostgreSQL. How long a lock lasts is the caller's policy
(patrol.accounts.throttle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from patrol.store.account_tables import LoginThrottleRow
from patrol.store.database import Database

# (failures with this one, free failures) -> how long the key is locked for; zero: not locked.
Lockout = Callable[[int, int], timedelta]


@dataclass(frozen=True)
class Reserved:
    """An attempt let through to its password check: how long a failure of it locks for."""

    locks_for: timedelta | None


class Locked(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


class LoginThrottleCounts:
    def __init__(self, database: Database, *, lockout: Lockout, forget_after: timedelta) -> None:
        self._sessions = database.sessions
        self._lockout = lockout
        self._forget_after = forget_after

    def reserve(self, keys: list[tuple[str, int]], now: datetime) -> Reserved:
        """Counts one failure against each (key, free failures) before the check; Locked if any is locked.

        One transaction, committed before the caller checks the password: on PostgreSQL the
        upserted rows stay locked, on SQLite the database is, until then.
        """
        locks_for: timedelta | None = None
        with self._sessions.begin() as session:
            for key, free_failures in keys:
                failures = self._count(session, key, now)
                if failures is None:
                    until = session.scalar(
                        select(LoginThrottleRow.locked_until).where(LoginThrottleRow.key == key)
                    )
                    raise Locked(until or now)
                lockout = self._lockout(failures, free_failures)
                if lockout:
                    session.execute(
                        update(LoginThrottleRow)
                        .where(LoginThrottleRow.key == key)
                        .values(locked_until=now + lockout)
                    )
                    locks_for = max(locks_for or lockout, lockout)
        return Reserved(locks_for)

    def succeeded(self, user_key: str, other_keys: list[tuple[str, int]]) -> None:
        """The password was right: the user name starts afresh; the other counts take the attempt back."""
        with self._sessions.begin() as session:
            session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key == user_key))
            for key, free_failures in other_keys:
                row = LoginThrottleRow.__table__.c
                session.execute(
                    update(LoginThrottleRow)
                    .where(LoginThrottleRow.key == key, LoginThrottleRow.failures > 0)
                    .values(
                        failures=row.failures - 1,
                        locked_until=case((row.failures - 1 < free_failures, None), else_=row.locked_until),
                    )
                )

    def _count(self, session: Session, key: str, now: datetime) -> int | None:
        """The key's failures with this one, or None while its lock is in force."""
        forget_before = now - self._forget_after
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        current = LoginThrottleRow.__table__.c
        statement = (
            insert(LoginThrottleRow)
            .values(key=key, failures=1, last_failure_at=now, locked_until=None)
            .on_conflict_do_update(
                index_elements=[current.key],
                set_={
                    # A run of failures this old, with no lock in force, starts again from zero.
                    "failures": case(
                        (current.last_failure_at < forget_before, 1), else_=current.failures + 1
                    ),
                    "last_failure_at": now,
                },
                where=or_(current.locked_until.is_(None), current.locked_until <= now),
            )
            .returning(current.failures)
        )
        return session.scalar(statement)
