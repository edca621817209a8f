"""What the store's repositories raise when a request cannot be carried out."""

from __future__ import annotations

from patrol.records import EventRecord


class EventNotFound(LookupError):
    pass


class CameraNotFound(LookupError):
    pass


class OnDemandNotFound(LookupError):
    pass


class AlreadyDecided(Exception):
    def __init__(self, event: EventRecord) -> None:
        super().__init__(f"event {event.id} is already {event.status}")
        self.event = event


class NotDecided(Exception):
    """A revision of an event nobody has decided yet."""

    def __init__(self, event: EventRecord) -> None:
        super().__init__(f"event {event.id} has no decision to revise")
        self.event = event


class RevisionConflict(Exception):
    """Someone revised the same decision a moment earlier."""
