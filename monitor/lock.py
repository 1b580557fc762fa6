"""Run lock: one crawl (or digest) at a time per data directory and database, whoever starts
it (cron, systemd, the built-in scheduler, a person). An OS file lock, released by the
kernel when the holder dies (even by SIGKILL); on PostgreSQL also an advisory lock, so
crawlers on different hosts sharing one database do not overlap either. Distributed
crawlers (MONITOR_REDIS_URL) take the crawl lock shared: they run together, and a crawl
without Redis waits for all of them (and they for it)."""

from __future__ import annotations

import fcntl
import os
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError


class LockBusy(RuntimeError):
    """Another run holds the lock; the message says which and what to do."""


def _holder(path: Path) -> str:
    try:
        return path.with_suffix(".pid").read_text().strip() or "unknown"
    except OSError:
        return "unknown"


@contextmanager
def run_lock(data_dir: Path, name: str = "crawl", *, wait: float = 0.0,
             engine: Engine | None = None, shared: bool = False) -> Iterator[None]:
    """Hold the ``name`` lock for the block; wait up to ``wait`` seconds, else LockBusy.
    ``shared``: held together with other shared holders, never with an exclusive one."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"{name}.lock"
    if shared:
        with _shared_file_lock(path, name, wait), _advisory(engine, name, wait, shared=True):
            yield
        return
    lock = FileLock(str(path), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise LockBusy(
            f"another `monitor {name}` is running (pid {_holder(path)}, lock {path}); "
            f"wait for it, or pass --wait SECONDS to queue behind it"
        ) from None
    path.with_suffix(".pid").write_text(str(os.getpid()))
    try:
        with _advisory(engine, name, wait):
            yield
    finally:
        path.with_suffix(".pid").unlink(missing_ok=True)
        lock.release()


@contextmanager
def _shared_file_lock(path: Path, name: str, wait: float) -> Iterator[None]:
    """A shared flock on the same file the exclusive FileLock locks (filelock uses flock)."""
    with open(path, "a") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(f"a `monitor {name}` without MONITOR_REDIS_URL is running "
                                   f"(pid {_holder(path)}, lock {path}); wait for it, or pass "
                                   "--wait SECONDS") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@contextmanager
def _advisory(engine: Engine | None, name: str, wait: float, shared: bool = False) -> Iterator[None]:
    if engine is None or engine.dialect.name != "postgresql":
        yield
        return
    key = zlib.crc32(f"kz-china-monitor:{name}".encode())
    mode = "_shared" if shared else ""
    with engine.connect() as conn:
        if wait > 0:
            conn.execute(text("SET lock_timeout = :ms"), {"ms": f"{int(wait * 1000)}ms"})
            try:
                conn.execute(text(f"SELECT pg_advisory_lock{mode}(:k)"), {"k": key})
            except Exception as exc:  # lock_timeout raises LockNotAvailable
                raise LockBusy(f"another `monitor {name}` holds the database lock: {exc}") from None
        elif not conn.execute(text(f"SELECT pg_try_advisory_lock{mode}(:k)"), {"k": key}).scalar():
            raise LockBusy(f"another `monitor {name}` is running against this PostgreSQL "
                           "database (advisory lock held); wait for it or pass --wait")
        try:
            yield
        finally:
            try:
                conn.execute(text(f"SELECT pg_advisory_unlock{mode}(:k)"), {"k": key})
            except DBAPIError:
                pass  # the server restarted under the run: the lock ended with its session
