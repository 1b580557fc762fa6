"""The weekly digest end to end against a real SMTP server on loopback (aiosmtpd): the MIME
structure (text and HTML alternatives, the chart inline by Content-ID), escaped web titles,
spikes, syndicated copies, one send per week and recipient, retries after failures, login
with credentials from the environment only, and the dry run."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor import models as m
from monitor.config import Settings
from monitor.digest import DigestError, run_digest
from monitor.registry import Registry
from monitor.trends import IsoWeek
from tests.conftest import monitor_env, run_monitor
from tests.reportdata import add_article, at, make_repository

try:
    import monitor.health  # noqa: F401 - crawl health is another module's; the digest uses it
    HAS_HEALTH = True
except ImportError:
    HAS_HEALTH = False

WEEK = IsoWeek.parse("2026-W47")  # 16 to 22 November 2026
EVIL = 'Протест у завода <script>alert("x")</script> & «Ко»'
RECIPIENTS = ("analyst@example.org", "editor@example.org")


class Inbox:
    """An aiosmtpd handler that keeps every message and can refuse chosen recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-pass")

    def parsed(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=policy.default) for _, _, raw in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(inbox: Inbox, port: int, **options: object) -> Iterator[int]:
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture()
def week_data(tmp_path: Path) -> Path:
    repo = make_repository(f"sqlite:///{tmp_path / 'monitor.sqlite3'}")
    first = add_article(repo, outlet="tengrinews", published_at=at("2026-11-17 05:00"), title=EVIL,
                        relevant=True, topics=("land",), score=9.0,
                        url="https://tengrinews.kz/kazakhstan_news/protest-618001/")
    add_article(repo, outlet="azattyq", published_at=at("2026-11-17 09:00"), title=EVIL + " (копия)",
                relevant=True, topics=("land",), score=8.0, story_of=first,
                url="https://rus.azattyq.org/a/protest-copy/1.html")
    add_article(repo, outlet="azattyq", lang="kk", published_at=at("2026-11-18 06:00"),
                title="Жер мәселесі бойынша жиын", relevant=True, topics=("land",), score=5.0)
    add_article(repo, outlet="rferl", lang="en", published_at=at("2026-11-20 06:00"),
                title="Relatives of detainees in Xinjiang rally in Almaty", relevant=True,
                topics=("xinjiang",), score=4.0, url="javascript:alert(1)")
    add_article(repo, outlet="tengrinews", published_at=at("2026-11-19 06:00"), title="Погода")
    add_article(repo, outlet="tengrinews", published_at=at("2026-11-10 06:00"), title="Прошлая неделя",
                relevant=True, topics=("land",))
    return tmp_path


def settings_for(data: Path, port: int, **extra: str) -> Settings:
    env = {"MONITOR_DATA_DIR": str(data), "MONITOR_SMTP_HOST": "127.0.0.1",
           "MONITOR_SMTP_PORT": str(port), "MONITOR_SMTP_STARTTLS": "0",
           "MONITOR_DIGEST_FROM": "monitor@example.org", "MONITOR_DIGEST_TO": ",".join(RECIPIENTS),
           **extra}
    return Settings.from_env(env)


def sends(data: Path) -> dict[str, tuple[str, int]]:
    repo = make_repository(f"sqlite:///{data / 'monitor.sqlite3'}")
    with repo.session() as session:
        return {r.recipient: (r.status, r.attempts)
                for r in session.scalars(select(m.DigestSend).where(m.DigestSend.week == WEEK.key))}


def test_digest_arrives_well_formed_with_the_chart_inline_and_titles_escaped(week_data: Path) -> None:
    inbox, port = Inbox(), free_port()
    with smtp_server(inbox, port):
        report = run_digest(settings_for(week_data, port), Registry.load(), week=WEEK)
    assert sorted(report.sent) == sorted(RECIPIENTS) and not report.failed
    assert sorted(rcpts[0] for _, rcpts, _ in inbox.messages) == sorted(RECIPIENTS)
    for (mail_from, rcpts, _), msg in zip(inbox.messages, inbox.parsed(), strict=True):
        assert mail_from == "monitor@example.org" and msg["To"] == rcpts[0]  # one each, no CCs
        assert msg["Subject"] == ("China-contestation monitor, week 2026-W47: 4 relevant articles; "
                                  "spike: Land and land leases")
        assert msg["Message-ID"] and msg["Date"]
        assert msg.get_content_type() == "multipart/alternative"
        plain, related = list(msg.iter_parts())
        assert plain.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
        html_part, image = list(related.iter_parts())
        assert html_part.get_content_type() == "text/html" and image.get_content_type() == "image/png"
        png = image.get_content()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
        html = html_part.get_content()
        assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
        assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; «Ко»" in html
        assert 'href="https://tengrinews.kz/kazakhstan_news/protest-618001/"' in html
        assert "javascript:" not in html  # a link that is not http(s) is shown as text only
        assert "Relatives of detainees in Xinjiang rally in Almaty" in html
        assert "also in" in html and "azattyq (ru)" in html and "(копия)" not in html
        text = plain.get_content()
        assert EVIL in text and "Land and land leases (3, spike)" in text
        assert "Week 2026-W47, 16 November to 22 November 2026 (Asia/Almaty)" in text
        assert "Прошлая неделя" not in text and "Погода" not in text
        assert "4 relevant articles of 5 collected from 3 outlets (80.0%)" in text
        assert "Land and land leases: 3 relevant articles against an average of 0.1" in text
        health = text.split("CRAWL HEALTH")[1]
        if HAS_HEALTH:  # no crawl ran: every outlet is flagged, its languages on one line
            assert "warning: " in health and "tengrinews (ru, kk, en)" in health
        else:
            assert "not available" in health
    assert sends(week_data) == {r: ("sent", 1) for r in RECIPIENTS}


def test_a_rerun_sends_nothing_and_a_failed_send_is_retried(week_data: Path) -> None:
    inbox, port = Inbox(), free_port()
    settings = settings_for(week_data, port)
    down = run_digest(settings, Registry.load(), week=WEEK)  # no server listening yet
    assert not down.sent and sorted(r for r, _ in down.failed) == sorted(RECIPIENTS)
    assert "ConnectionRefusedError" in down.failed[0][1]
    assert sends(week_data) == {r: ("failed", 1) for r in RECIPIENTS}
    inbox.refuse = {RECIPIENTS[1]}
    with smtp_server(inbox, port):
        partly = run_digest(settings, Registry.load(), week=WEEK)
        assert partly.sent == [RECIPIENTS[0]] and partly.failed[0][0] == RECIPIENTS[1]
        assert "550" in partly.failed[0][1]
        inbox.refuse = set()
        retried = run_digest(settings, Registry.load(), week=WEEK)
        assert retried.sent == [RECIPIENTS[1]] and retried.already == [RECIPIENTS[0]]
        again = run_digest(settings, Registry.load(), week=WEEK)
        assert again.sent == [] and sorted(again.already) == sorted(RECIPIENTS)
    assert [rcpts for _, rcpts, _ in inbox.messages] == [[RECIPIENTS[0]], [RECIPIENTS[1]]]
    assert sends(week_data) == {RECIPIENTS[0]: ("sent", 2), RECIPIENTS[1]: ("sent", 3)}


def test_digest_command_logs_in_with_credentials_from_the_environment(week_data: Path) -> None:
    inbox, port = Inbox(), free_port()
    env = monitor_env(week_data, MONITOR_SMTP_HOST="127.0.0.1", MONITOR_SMTP_PORT=str(port),
                      MONITOR_SMTP_STARTTLS="0", MONITOR_SMTP_USER="monitor",
                      MONITOR_SMTP_PASSWORD="s3cret-pass", MONITOR_DIGEST_FROM="monitor@example.org",
                      MONITOR_DIGEST_TO=RECIPIENTS[0])
    with smtp_server(inbox, port, authenticator=inbox.authenticate, auth_require_tls=False):
        out = run_monitor(["digest", "--week", "2026-W47"], env)
        assert "sent 1, already sent 0, failed 0" in out.stdout
        # A refused login fails the send (recorded, exit 1). aiosmtpd leaves smtplib's next
        # mechanism hanging after a refusal, hence the short timeout.
        bad = run_monitor(["digest", "--week", "2026-W48"],
                          {**env, "MONITOR_SMTP_PASSWORD": "wrong", "MONITOR_SMTP_TIMEOUT": "5"},
                          check=False)
    assert inbox.logins[0] == (b"monitor", b"s3cret-pass") and len(inbox.messages) == 1
    assert (b"monitor", b"wrong") in inbox.logins
    assert bad.returncode == 1 and "failed 1" in bad.stdout
    for output in (out.stdout, out.stderr, bad.stdout, bad.stderr):
        assert "s3cret-pass" not in output and "wrong" not in output


def test_dry_run_writes_files_and_sends_nothing(week_data: Path, tmp_path: Path) -> None:
    env = monitor_env(week_data, MONITOR_DIGEST_TO=RECIPIENTS[0])
    out_dir = tmp_path / "out"
    out = run_monitor(["digest", "--week", "2026-W47", "--dry-run", "--out", str(out_dir)], env).stdout
    assert "week 2026-W47: 4 relevant articles" in out
    html = (out_dir / "digest-2026-W47.html").read_text(encoding="utf-8")
    assert 'src="digest-2026-W47.png"' in html and "&lt;script&gt;" in html
    assert (out_dir / "digest-2026-W47.png").read_bytes().startswith(b"\x89PNG")
    eml = email.message_from_bytes((out_dir / "digest-2026-W47.eml").read_bytes(), policy=policy.default)
    assert eml.get_content_type() == "multipart/alternative" and eml["To"] == RECIPIENTS[0]
    assert sends(week_data) == {}
    unset = run_monitor(["digest", "--week", "2026-W47"], monitor_env(week_data), check=False)
    assert unset.returncode == 2 and "MONITOR_DIGEST_TO" in unset.stderr


def test_missing_mail_settings_are_named(tmp_path: Path) -> None:
    with pytest.raises(DigestError, match="MONITOR_SMTP_HOST"):
        run_digest(Settings.from_env({"MONITOR_DATA_DIR": str(tmp_path), "MONITOR_DIGEST_TO": "a@b.c"}),
                   Registry.load(), week=WEEK)
    with pytest.raises(DigestError, match="MONITOR_DIGEST_FROM"):
        run_digest(Settings.from_env({"MONITOR_DATA_DIR": str(tmp_path), "MONITOR_DIGEST_TO": "a@b.c",
                                      "MONITOR_SMTP_HOST": "127.0.0.1"}), Registry.load(), week=WEEK)
