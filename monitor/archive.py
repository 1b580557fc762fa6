"""Raw-response archive: every fetched response goes into a gzipped WARC file, and an index
over WARC files serves them back by URL for offline replay. WARC is what web archives and
replay tools read; article rows keep (file, offset, record id) of their record."""

from __future__ import annotations

import io
import os
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
                yield _recorded(record, str(path), iterator.get_record_offset())
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
        fh.seek(offset)
        iterator = ArchiveIterator(fh)
        for record in iterator:
            return _recorded(record, str(path), offset)
    raise ArchiveError(f"no WARC record at {path}:{offset}")


class ReplayIndex:
    """URL -> newest record over a set of WARC files; the replay middleware's lookup."""

    def __init__(self, paths: Sequence[Path]):
        self.paths = [Path(p) for p in paths]
        self._index: dict[str, tuple[int, int]] = {}
        for number, path in enumerate(self.paths):
            if not path.exists():
                raise ArchiveError(f"replay archive {path} does not exist; build it with "
                                   "`monitor snapshot build` or point MONITOR_REPLAY at a WARC")
            with open(path, "rb") as fh:
                iterator = ArchiveIterator(fh)
                for record in iterator:
                    if record.rec_type == "response":
                        url = record.rec_headers.get_header("WARC-Target-URI")
                        self._index[_key(url)] = (number, iterator.get_record_offset())

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, url: str) -> bool:
        return _key(url) in self._index

    def get(self, url: str) -> Recorded | None:
        hit = self._index.get(_key(url))
        if hit is None:
            return None
        number, offset = hit
        return read_record(self.paths[number], offset)

    def urls(self) -> list[str]:
        return list(self._index)


def _key(url: str) -> str:
    return canonicalize(url)


def header_map(headers: Iterable[tuple[str, str]]) -> Mapping[str, str]:
    return {k.lower(): v for k, v in headers}
