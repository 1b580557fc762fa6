"""Raw-response archive: every fetched response goes into a gzipped WARC file, and an index
over WARC files serves them back by URL for offline replay. WARC is what web archives and
replay tools read; article rows keep (file, offset, record id) of their record."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from monitor.urls import canonicalize

# Headers that describe the transfer, not the content: dropped because the body we keep
# is already de-chunked.
_HOP_HEADERS = {"transfer-encoding", "connection", "keep-alive"}
_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
            403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
            500: "Internal Server Error", 503: "Service Unavailable"}


class ArchiveError(RuntimeError):
    """A WARC file cannot be read or written; the message names it."""


@dataclass(frozen=True)
class RecordRef:
    path: str
    offset: int
    record_id: str
    date: datetime


@dataclass(frozen=True)
class Recorded:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    date: datetime
    ref: RecordRef


def warc_date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WarcArchive:
    """Appends response records to one gzipped WARC file (one file per crawl run)."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: BinaryIO = open(path, "ab")  # noqa: SIM115 - closed in close()
        self._writer = WARCWriter(self._fh, gzip=True)

    def write_response(
        self,
        url: str,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        date: datetime | None = None,
    ) -> RecordRef:
        date = date or datetime.now(UTC)
        kept = [(k, v) for k, v in headers if k.lower() not in _HOP_HEADERS]
        status_line = f"{status} {_REASONS.get(status, 'Status')}"
        http_headers = StatusAndHeaders(status_line, kept, protocol="HTTP/1.1")
        record = self._writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=http_headers, warc_headers_dict={"WARC-Date": warc_date(date)},
        )
        offset = self._fh.tell()
        self._writer.write_record(record)
        self._fh.flush()
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        return RecordRef(str(self.path), offset, record_id, date)

    def sync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            self._fh.close()

    def __enter__(self) -> WarcArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _parse_date(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iter_records(path: Path) -> Iterator[Recorded]:
    """Every response record of a WARC file, in order (truncated tails end the iteration)."""
    try:
        with open(path, "rb") as fh:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                if record.rec_type != "response":
                    continue
                recorded = _recorded(record, str(path), 0)  # the body, before the offset
                offset = iterator.get_record_offset()  # reads to the record's end
                yield Recorded(recorded.url, recorded.status, recorded.headers, recorded.body,
                               recorded.date, RecordRef(str(path), offset, recorded.ref.record_id,
                                                        recorded.date))
    except OSError as exc:
        raise ArchiveError(f"cannot read WARC {path}: {exc}") from None


def _recorded(record, path: str, offset: int) -> Recorded:  # type: ignore[no-untyped-def]
    http = record.http_headers
    body = record.raw_stream.read()
    date = _parse_date(record.rec_headers.get_header("WARC-Date"))
    ref = RecordRef(path, offset, record.rec_headers.get_header("WARC-Record-ID") or "", date)
    return Recorded(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(http.get_statuscode() or 0) if http else 0,
        headers=list(http.headers) if http else [],
        body=body,
        date=date,
        ref=ref,
    )


def read_record(path: str | Path, offset: int) -> Recorded:
    """The response record at ``offset`` of ``path`` (what an article row points at)."""
    with open(path, "rb") as fh:
        return _read_at(fh, str(path), offset)


def _read_at(fh: BinaryIO, path: str, offset: int) -> Recorded:
    fh.seek(offset)
    for record in ArchiveIterator(fh):
        return _recorded(record, path, offset)
    raise ArchiveError(f"no WARC record at {path}:{offset}")


class ReplayIndex:
    """URL -> newest record over a set of WARC files; the replay transport's lookup.

    Each WARC gets an on-disk index (canonical URL -> record offset) in an SQLite file beside
    it, ``<name>.idx.sqlite3`` (in the temporary folder when the WARC's folder is read-only),
    built on first use and again whenever the WARC changes. Replaying a large archive so
    holds no per-URL state in memory, and a second replay of it starts at once."""

    def __init__(self, paths: Sequence[Path]):
        self.paths = [Path(p) for p in paths]
        for path in self.paths:
            if not path.exists():
                raise ArchiveError(f"replay archive {path} does not exist; build it with "
                                   "`monitor snapshot build` or point MONITOR_REPLAY at a WARC")
        self._indexes = [_open_index(path) for path in self.paths]
        self._files: dict[int, BinaryIO] = {}  # opened on the first read, kept for the next

    def _lookup(self, url: str) -> tuple[int, int] | None:
        key = _key(url)
        # Later files win, as later records of one file do (INSERT OR REPLACE when built).
        for number in range(len(self._indexes) - 1, -1, -1):
            row = self._indexes[number].execute(
                "SELECT offset FROM records WHERE url = ?", (key,)).fetchone()
            if row is not None:
                return number, row[0]
        return None

    def __len__(self) -> int:
        if len(self._indexes) == 1:
            return self._indexes[0].execute("SELECT count(*) FROM records").fetchone()[0]
        return len(self.urls())

    def __contains__(self, url: str) -> bool:
        return self._lookup(url) is not None

    def get(self, url: str) -> Recorded | None:
        hit = self._lookup(url)
        if hit is None:
            return None
        number, offset = hit
        fh = self._files.get(number)
        if fh is None:
            fh = self._files[number] = open(self.paths[number], "rb")  # noqa: SIM115 - close()
        return _read_at(fh, str(self.paths[number]), offset)

    def urls(self) -> list[str]:
        seen: dict[str, None] = {}
        for index in self._indexes:
            seen.update((url, None) for (url,) in index.execute("SELECT url FROM records"))
        return list(seen)

    def close(self) -> None:
        for index in self._indexes:
            index.close()
        for fh in self._files.values():
            fh.close()
        self._files.clear()


INDEX_VERSION = 1


def index_path(warc: Path) -> Path:
    """Where the replay index of ``warc`` lives: beside it, or in the temporary folder."""
    beside = warc.with_name(warc.name + ".idx.sqlite3")
    if os.access(warc.parent, os.W_OK):
        return beside
    digest = hashlib.sha1(str(warc.resolve()).encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "monitor-replay-index"
    folder.mkdir(exist_ok=True)
    return folder / f"{warc.name}-{digest}.idx.sqlite3"


def _open_index(warc: Path) -> sqlite3.Connection:
    target = index_path(warc)
    stat = warc.stat()
    stamp = (stat.st_size, stat.st_mtime_ns, INDEX_VERSION)
    if target.exists():
        db = sqlite3.connect(f"file:{target}?mode=ro", uri=True, check_same_thread=False)
        try:
            if db.execute("SELECT size, mtime_ns, version FROM meta").fetchone() == stamp:
                return db
        except sqlite3.DatabaseError:
            pass  # unreadable or from another version: built again below
        db.close()
    _build_index(warc, target, stamp)
    return sqlite3.connect(f"file:{target}?mode=ro", uri=True, check_same_thread=False)


def _build_index(warc: Path, target: Path, stamp: tuple[int, int, int]) -> None:
    """Index every response record of ``warc``; written under a temporary name and renamed,
    so two processes replaying the same WARC never see half an index."""
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                         "CREATE TABLE meta (size INTEGER, mtime_ns INTEGER, version INTEGER);"
                         "CREATE TABLE records (url TEXT PRIMARY KEY, offset INTEGER) WITHOUT ROWID;")
        batch: list[tuple[str, int]] = []
        with open(warc, "rb") as fh:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                if record.rec_type == "response":
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    batch.append((_key(url), iterator.get_record_offset()))
                    if len(batch) >= 2000:
                        db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?)", batch)
                        batch.clear()
        db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?)", batch)
        db.execute("INSERT INTO meta VALUES (?, ?, ?)", stamp)
        db.commit()
    except OSError as exc:
        raise ArchiveError(f"cannot index WARC {warc}: {exc}") from None
    finally:
        db.close()
    os.replace(tmp, target)


def _key(url: str) -> str:
    return canonicalize(url)


def header_map(headers: Iterable[tuple[str, str]]) -> Mapping[str, str]:
    return {k.lower(): v for k, v in headers}
