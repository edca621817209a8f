"""The one database every repository shares: its engine, its ORM sessions and its change listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# The schools a reader may see; None: every school (the county bureau).
SchoolScope = Collection[str] | None

# Told of every change other systems may want to hear about: (kind, payload), after the commit.
ChangeListener = Callable[[str, dict[str, Any]], None]


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'patrol.sqlite3'}"


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _durable_sqlite(connection: Any, _record: Any) -> None:
        # WAL lets the dashboard read while the patrol writes; FULL sync keeps every commit.
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class Database:
    """Only the repositories in this package open its sessions."""

    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        self._listeners: list[ChangeListener] = []

    @property
    def is_shared(self) -> bool:
        """A database every machine reaches (PostgreSQL), rather than one file beside one process."""
        return self.engine.dialect.name == "postgresql"

    # Change notices: announced here, after each commit, so the patrol's looks and the API's
    # decisions reach other systems through one place; a listener must return at once and never raise.

    def add_listener(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def announce(self, kind: str, payload: dict[str, Any]) -> None:
        for listener in self._listeners:
            try:
                listener(kind, payload)
            except Exception:  # a broken listener must not break a look or a request
                logging.getLogger(__name__).exception("change listener failed")

    def close(self) -> None:
        self.engine.dispose()
