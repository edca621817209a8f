"""A real store on SQLite and on PostgreSQL, filled through its own API, behind a real app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from patrol.store import Store
from tests.api.support import Site, bearer_client, make_app, populate


@pytest.fixture
def site(store: Store) -> Site:
    return populate(store)


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    """An officer of the county bureau (sees every school), with an API token."""
    with bearer_client(make_app(store)) as client:
        yield client
