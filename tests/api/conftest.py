"""A real store on SQLite and on PostgreSQL, filled through its own API, behind a real app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from patrol.store import Store, sqlite_url
from patrol.store.tables import Base
from tests.api.support import Site, make_app, populate

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A schema of its own in the machine's PostgreSQL for this test session, dropped after."""
    plain = POSTGRES_URL.replace("+psycopg", "")
    try:
        admin = psycopg.connect(plain, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {plain} is unreachable: {exc}")
    schema = f"api_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    postgres = request.param == "postgresql"
    url = request.getfixturevalue("postgres_url") if postgres else sqlite_url(tmp_path)
    store = Store(url, tmp_path / "evidence")
    store.create_schema()
    try:
        yield store
    finally:
        store.close()
        if postgres:
            _empty_tables(url)


def _empty_tables(url: str) -> None:
    engine = create_engine(url)
    try:
        names = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def site(store: Store) -> Site:
    return populate(store)


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(make_app(store)) as client:
        yield client
