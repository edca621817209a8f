"""Alembic migrations of the patrol's database; applied by `patrol db upgrade` (see patrol.store.schema)."""
