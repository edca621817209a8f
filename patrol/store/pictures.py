"""Where evidence and reference pictures are kept: in their rows on a shared database, in the
evidence folder otherwise."""

from __future__ import annotations

import os
from pathlib import Path


class Pictures:
    def __init__(self, folder: Path, *, in_database: bool) -> None:
        self.folder = folder
        # A shared database (PostgreSQL) holds the pictures too, so every machine can serve them.
        self.in_database = in_database

    def keep(self, relative: Path, jpeg: bytes) -> bytes | None:
        """The picture for its row's `content` (shared database), or written to the evidence folder.

        A file is written and synced before its row commits, so a crash never leaves a row
        without its file; in the database the two commit together."""
        if self.in_database:
            return jpeg
        _write_durably(self.folder / relative, jpeg)
        return None

    def path(self, relative: str) -> Path:
        return self.folder / relative

    def read(self, relative: str) -> bytes:
        """A picture kept in the folder; FileNotFoundError when it is gone."""
        try:
            return self.path(relative).read_bytes()
        except IsADirectoryError:
            raise FileNotFoundError(relative) from None


def _write_durably(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(target)
