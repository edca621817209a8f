"""The test app served by uvicorn in a process of its own, so a test can watch that process's memory.

Run as `python -m tests.api.server_process DATA_DIR PORT`: serves the site of tests.api.support
over the SQLite store in DATA_DIR until terminated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from patrol.store import Store, sqlite_url
from tests.api.support import make_app


def main() -> None:
    data_dir, port = Path(sys.argv[1]), int(sys.argv[2])
    store = Store(sqlite_url(data_dir), data_dir / "evidence")
    store.create_schema()
    uvicorn.run(make_app(store), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
