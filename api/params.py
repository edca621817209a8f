"""Query and path parameters several routes share: ids, filters, times with a timezone, paging.

One definition each, so a bound or a pattern is the same on every route that takes it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

from patrol.types import EventStatus, EventType

# Ids are 32-bit integers in PostgreSQL; anything larger cannot name a row.
MAX_ID = 2**31 - 1
# School and camera ids as the config allows them (patrol.config.schema.Identifier).
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime needs a timezone, e.g. 2025-03-03T08:00:00+08:00 or 2025-03-03T00:00:00Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("datetime is out of range once converted to UTC") from None


# A datetime with its timezone, as UTC; one without is refused with 422 rather than guessed.
AwareUtc = Annotated[datetime, AfterValidator(_aware_utc)]
EventId = Annotated[int, Path(ge=1, le=MAX_ID, description="Event id")]
# An optional filter by school or camera id.
SiteId = Annotated[str | None, Query(pattern=ID_PATTERN)]
EventTypeFilter = Annotated[EventType | None, Query(alias="type")]
EventStatusFilter = Annotated[EventStatus | None, Query(alias="status")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
