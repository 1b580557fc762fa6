import gzip
from datetime import UTC, datetime

import pytest

from monitor.archive import ArchiveError, ReplayIndex, WarcArchive, iter_records, read_record


def test_written_records_read_back_by_offset_and_url(tmp_path) -> None:
    path = tmp_path / "run.warc.gz"
    when = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    body = "<html><body>Қытай</body></html>".encode()
    with WarcArchive(path) as archive:
        ref1 = archive.write_response("https://kaz.tengrinews.kz/a-1/", 200,
                                      [("Content-Type", "text/html; charset=utf-8"),
                                       ("Transfer-Encoding", "chunked")], body, when)
        gz = gzip.compress(b"<rss/>")
        ref2 = archive.write_response("https://tengrinews.kz/news.rss", 200,
                                      [("Content-Encoding", "gzip")], gz, when)
    rec = read_record(path, ref1.offset)
    assert rec.body == body and rec.status == 200 and rec.date == when
    assert ("Transfer-Encoding", "chunked") not in rec.headers  # the body kept is de-chunked
    assert read_record(path, ref2.offset).body == gz  # raw bytes, decoded on replay
    assert [r.url for r in iter_records(path)] == ["https://kaz.tengrinews.kz/a-1/",
                                                  "https://tengrinews.kz/news.rss"]
    index = ReplayIndex([path])
    assert "https://kaz.tengrinews.kz/a-1/?utm_source=x" in index  # canonical lookup
    assert index.get("https://nowhere.kz/") is None
    assert ref1.record_id.startswith("<urn:uuid:")


def test_missing_archive_names_the_fix(tmp_path) -> None:
    with pytest.raises(ArchiveError, match="monitor snapshot build"):
        ReplayIndex([tmp_path / "missing.warc.gz"])


def test_newest_record_wins(tmp_path) -> None:
    old, new = tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"
    with WarcArchive(old) as a:
        a.write_response("https://x.kz/p", 200, [], b"old")
    with WarcArchive(new) as b:
        b.write_response("https://x.kz/p", 200, [], b"new")
    assert ReplayIndex([old, new]).get("https://x.kz/p").body == b"new"


def test_replay_index_lives_on_disk_and_follows_the_warc(tmp_path) -> None:
    from monitor.archive import index_path

    path = tmp_path / "run.warc.gz"
    with WarcArchive(path) as archive:
        archive.write_response("https://x.kz/a", 200, [], b"first")
    assert ReplayIndex([path]).get("https://x.kz/a").body == b"first"
    assert index_path(path).exists() and len(ReplayIndex([path])) == 1  # built once, reused
    with WarcArchive(path) as archive:  # the WARC grows: the index is built again
        archive.write_response("https://x.kz/b", 200, [], b"second")
    index = ReplayIndex([path])
    assert sorted(index.urls()) == ["https://x.kz/a", "https://x.kz/b"]
    assert [r.body for r in iter_records(path)] == [b"first", b"second"]
