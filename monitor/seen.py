"""Bounded-memory sets for one crawl process: the article URLs a spider has met this run and
the request fingerprints of Scrapy's duplicate filter live in a private temporary SQLite
file, so a crawl's memory does not grow with its length (bench/memory_benchmark.py); what
is stored for good is asked of the monitor's database (Repository.known_urls)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scrapy.dupefilters import RFPDupeFilter

CACHE_KIB = 2048  # SQLite page cache of one set
_COMMIT_EVERY = 2000  # pending inserts per transaction (nothing else reads the file)


class DiskSet:
    """A set of strings (or bytes) in a temporary SQLite file: ``add`` says whether the key
    is new. The file is deleted on ``close``, or when the set is garbage-collected."""

    def __init__(self, name: str = "set"):
        self._dir = Path(tempfile.mkdtemp(prefix=f"monitor-{name}-"))
        self._db = sqlite3.connect(self._dir / "set.sqlite3", isolation_level=None,
                                   check_same_thread=False)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{CACHE_KIB}",
                       "temp_store=FILE", "locking_mode=EXCLUSIVE"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE s (k PRIMARY KEY) WITHOUT ROWID")
        self._db.execute("BEGIN")
        self._pending = 0
        self._len = 0

    def add(self, key: str | bytes) -> bool:
        """Add ``key``; True when it was not there before."""
        added = self._db.execute("INSERT OR IGNORE INTO s VALUES (?)", (key,)).rowcount == 1
        if added:
            self._len += 1
            self._pending += 1
            if self._pending >= _COMMIT_EVERY:
                self._db.execute("COMMIT")
                self._db.execute("BEGIN")
                self._pending = 0
        return added

    def add_new(self, keys: Iterable[str]) -> list[str]:
        """Add every key; the ones that were new, in order."""
        return [k for k in keys if self.add(k)]

    def update(self, keys: Iterable[str | bytes]) -> None:
        for key in keys:
            self.add(key)

    def __contains__(self, key: object) -> bool:
        return self._db.execute("SELECT 1 FROM s WHERE k = ?", (key,)).fetchone() is not None

    def __len__(self) -> int:
        return self._len

    def close(self) -> None:
        try:
            self._db.close()
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __del__(self) -> None:  # a spider or filter dropped without close
        if getattr(self, "_dir", None) is not None and self._dir.exists():
            self.close()


class DiskDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter (same fingerprints, same JOBDIR file) with its fingerprint
    set on disk instead of in memory."""

    def __init__(self, path: str | None = None, debug: bool = False, **kwargs: Any) -> None:
        super().__init__(path, debug, **kwargs)
        fingerprints = DiskSet("dupefilter")
        fingerprints.update(self._fingerprints)  # read from JOBDIR/requests.seen when resuming
        self._fingerprints = fingerprints  # type: ignore[assignment]

    def close(self, reason: str) -> None:
        super().close(reason)
        self._fingerprints.close()  # type: ignore[attr-defined]
