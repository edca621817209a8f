"""The HTTP API and the dispatch-room dashboard."""

from api.app import create_app
from api.deps import PatrolControl, SnapshotTaker
from api.settings import ApiSettings

__all__ = ["ApiSettings", "PatrolControl", "SnapshotTaker", "create_app"]
