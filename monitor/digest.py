"""Weekly digest: one ISO week of relevant articles as an email (HTML with a plain-text
alternative and an inline PNG chart), sent by SMTP once per week and recipient.

Content: counts and shares, a 12-week chart of relevant articles per topic, the week's spikes
(monitor.trends), top stories grouped by topic (syndicated copies folded into one story),
and the crawl-health flags (monitor.health). Titles and URLs come from the web: the HTML
template escapes everything (Jinja2 autoescape) and links only http(s) URLs.

Sending is recorded in ``digest_sends`` per week and recipient: a recipient already sent
to is skipped, a failed send is tried again on the next run. SMTP credentials come only
from the environment (monitor.config) and never appear in messages or logs."""

from __future__ import annotations

import io
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.classify import TOPICS
from monitor.config import Settings
from monitor.trends import IsoWeek, Point, Trends, weekly_trends

if TYPE_CHECKING:
    from monitor.registry import Registry
    from monitor.repository import Repository

CHART_WEEKS = 12
TOPIC_LABELS = {
    "land": "Land and land leases",
    "industrial_projects": "Chinese plants and industrial projects",
    "xinjiang": "Xinjiang and ethnic Kazakhs",
    "labour": "Labour and Chinese workers",
    "pollution": "Pollution and environment",
    "loans_debt": "Loans and debt",
    "sinophobia": "Sinophobia and rumours",
    "": "Other relevant articles",
}


class DigestError(RuntimeError):
    """The digest cannot be made or sent as configured; the message says what to set."""


@dataclass(frozen=True)
class Story:
    title: str
    url: str
    outlet: str
    outlet_name: str
    lang: str
    day: str
    score: float
    topics: tuple[str, ...]
    also: tuple[tuple[str, str, str], ...] = ()  # (outlet, lang, url) of syndicated copies


@dataclass(frozen=True)
class TopicSection:
    topic: str
    label: str
    relevant: int
    point: Point | None
    stories: tuple[Story, ...]
    more: int  # stories of this topic not shown (beyond the top N)


@dataclass(frozen=True)
class Digest:
    week: IsoWeek
    zone: str
    relevant: int
    total: int
    outlets: int
    by_lang: dict[str, int]
    sections: tuple[TopicSection, ...]
    spikes: tuple[tuple[str, Point], ...]
    health: tuple[dict, ...] | None  # outlets not ok; None when no health module
    trends: Trends
    generated_at: datetime
    chart_png: bytes = field(repr=False, default=b"")

    @property
    def subject(self) -> str:
        spikes = f"; spike: {', '.join(label(t) for t, _ in self.spikes)}" if self.spikes else ""
        return (f"China-contestation monitor, week {self.week.key}: "
                f"{self.relevant} relevant article{'s' if self.relevant != 1 else ''}{spikes}")

    @property
    def period(self) -> str:
        mon, sun = self.week.monday, self.week.sunday
        return f"{mon.day} {mon:%B}{f' {mon.year}' if mon.year != sun.year else ''} to {sun.day} {sun:%B %Y}"


def label(topic: str) -> str:
    return TOPIC_LABELS.get(topic, topic.replace("_", " ").capitalize())


# ------------------------------------------------------------------ building


def build_digest(repo: Repository, settings: Settings, registry: Registry, week: IsoWeek, *,
                 now: datetime | None = None) -> Digest:
    now = now or datetime.now(UTC)
    settings.zone()  # a bad MONITOR_TIMEZONE fails here, with its message
    repo.sync_report_zone(settings.timezone)
    trends = weekly_trends(repo, by="topic", weeks=CHART_WEEKS, end=week, zone=settings.timezone,
                           keys=TOPICS)
    articles = repo.week_articles(week.key, relevant_only=False)
    relevant = [a for a in articles if a["relevant"]]
    by_lang: dict[str, int] = {}
    for a in relevant:
        by_lang[a["lang"]] = by_lang.get(a["lang"], 0) + 1
    points = {key: pts[-1] for key, pts in trends.series.items()}
    sections = _sections(relevant, points, settings.digest_top)
    spikes = tuple((k, p) for k, p in trends.spikes() if p.week == week.key)
    return Digest(
        week=week, zone=settings.timezone, relevant=len(relevant), total=len(articles),
        outlets=len({a["outlet"] for a in articles}), by_lang=dict(sorted(by_lang.items())),
        sections=sections, spikes=spikes, health=_health(repo, registry, now), trends=trends,
        generated_at=now, chart_png=chart_png(trends, week),
    )


def _stories(relevant: list[dict]) -> list[Story]:
    """One story per syndicated group (story_id), shown by its best-scoring article."""
    groups: dict[int, list[dict]] = {}
    for a in relevant:  # best score first (the repository's order)
        groups.setdefault(a["story_id"] or a["article_id"], []).append(a)
    stories = []
    for members in groups.values():
        best = members[0]
        stories.append(Story(
            title=best["title"], url=best["url"], outlet=best["outlet"],
            outlet_name=best["outlet_name"], lang=best["lang"], day=best["published_day"] or "",
            score=float(best["score"]), topics=tuple(t for t in best["topics"].split(",") if t),
            also=tuple((m["outlet"], m["lang"], m["url"]) for m in members[1:]),
        ))
    return stories


def _sections(relevant: list[dict], points: dict[str, Point], top: int) -> tuple[TopicSection, ...]:
    """Each story under its strongest topic (the classifier lists topics strongest first)."""
    by_topic: dict[str, list[Story]] = {}
    for story in _stories(relevant):
        by_topic.setdefault(story.topics[0] if story.topics else "", []).append(story)
    order = sorted(by_topic, key=lambda t: (t == "", -len(by_topic[t]), t))
    return tuple(
        TopicSection(topic=t, label=label(t), relevant=points[t].relevant if t in points else len(s),
                     point=points.get(t), stories=tuple(s[:top]), more=max(0, len(s) - top))
        for t in order for s in [by_topic[t]]
    )


def _health(repo: Repository, registry: Registry, now: datetime) -> tuple[dict, ...] | None:
    """Outlets that are not ok, one line per status and reason with the outlets (and their
    languages) it applies to, worst first."""
    try:
        from monitor.health import outlet_health
    except ImportError:
        return None
    groups: dict[tuple[str, str], dict[str, list[str]]] = {}
    for row in outlet_health(repo, registry, now=now):
        if row.status == "ok":
            continue
        why = "; ".join(getattr(row, "reasons", ()) or row.flags)
        langs = groups.setdefault((row.status, why), {}).setdefault(row.outlet, [])
        if row.lang:
            langs.append(row.lang)
    rank = {"failing": 0, "blocked": 1, "warning": 2}
    return tuple(
        {"status": status, "why": why,
         "outlets": ", ".join(f"{o} ({', '.join(langs)})" if langs else o
                              for o, langs in sorted(outlets.items()))}
        for (status, why), outlets in sorted(groups.items(), key=lambda kv: (rank.get(kv[0][0], 3), kv[0]))
    )


def chart_png(trends: Trends, week: IsoWeek) -> bytes:
    """Grey bars: relevant articles per week; one line per topic (an article with two topics
    counts on both lines, so the lines are not stacked). matplotlib's Agg canvas, no pyplot
    state; the digest's week outlined."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(7.2, 3.0), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = [w.split("-")[1] for w in trends.weeks]
    x = list(range(len(labels)))
    totals = [relevant for relevant, _ in trends.totals]
    ax.bar(x, totals, color="#dcdcdc", width=0.75, label="all relevant articles", zorder=1)
    if week.key in trends.weeks:
        i = trends.weeks.index(week.key)
        ax.bar([i], [max(totals[i], 0.0001)], fill=False, edgecolor="#333", linewidth=1.0,
               width=0.75, zorder=3)
    colors = ["#1b6ca8", "#e07b39", "#3a9b5d", "#c0392b", "#8e6bb8", "#8c6d46", "#d973b5", "#555"]
    shown = [(k, pts) for k, pts in trends.series.items() if any(p.relevant for p in pts)]
    for n, (key, pts) in enumerate(shown):
        ax.plot(x, [p.relevant for p in pts], marker="o", markersize=3.5, linewidth=1.6,
                color=colors[n % len(colors)], label=label(key), zorder=2)
    if not any(totals):
        ax.text(0.5, 0.5, "no relevant articles in these weeks", ha="center", va="center",
                transform=ax.transAxes, color="#666")
    ax.set_xticks(x, labels)
    ax.set_ylim(bottom=0, top=max([1, *totals]) * 1.15)
    ax.set_ylabel("relevant articles")
    ax.set_title(f"Relevant articles per week and topic, {len(labels)} ISO weeks to {week.key} "
                 f"({trends.zone})", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


# ------------------------------------------------------------------ rendering


def _environment():  # type: ignore[no-untyped-def]
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("monitor", "templates"),
                      autoescape=select_autoescape(["html"], default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["oneline"] = lambda v: " ".join(str(v).split())
    env.filters["web_url"] = lambda v: v if str(v).lower().startswith(("http://", "https://")) else ""
    env.filters["pct"] = lambda v: f"{100 * v:.1f}%"
    return env


def render(digest: Digest, *, chart_src: str) -> tuple[str, str]:
    """(HTML, plain text); ``chart_src`` is the image's address (cid:... in the email)."""
    env = _environment()
    context: dict[str, Any] = {"d": digest, "chart_src": chart_src, "label": label}
    return env.get_template("digest.html").render(context), env.get_template("digest.txt").render(context)


def compose(digest: Digest, *, sender: str, recipient: str) -> EmailMessage:
    """multipart/alternative: text/plain, then multipart/related (text/html + image/png)."""
    domain = sender.rpartition("@")[2] or "localhost"
    cid = make_msgid(domain=domain)
    html, text = render(digest, chart_src=f"cid:{cid[1:-1]}")
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(digest.generated_at)
    msg["Message-ID"] = make_msgid(f"digest.{digest.week.key}", domain=domain)
    msg.set_content(text, subtype="plain", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    html_part = list(msg.iter_parts())[1]
    html_part.add_related(digest.chart_png, maintype="image", subtype="png", cid=cid,
                          filename=f"monitor-{digest.week.key}.png")
    return msg


def write_dry_run(digest: Digest, out: Path, *, sender: str, recipients: tuple[str, ...]) -> list[Path]:
    """The digest as files to look at: .eml (what would be sent), .html (opens in a browser
    with the chart beside it), .txt and .png. Nothing is sent or recorded."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"digest-{digest.week.key}"
    png = out / f"{stem}.png"
    png.write_bytes(digest.chart_png)
    html, text = render(digest, chart_src=png.name)
    paths = [out / f"{stem}.html", out / f"{stem}.txt", png, out / f"{stem}.eml"]
    paths[0].write_text(html, encoding="utf-8")
    paths[1].write_text(text, encoding="utf-8")
    msg = compose(digest, sender=sender or "monitor@localhost",
                  recipient=", ".join(recipients) or "undisclosed-recipients:;")
    paths[3].write_bytes(bytes(msg))
    return paths


# ------------------------------------------------------------------ sending


@dataclass
class SendReport:
    week: str
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def format(self) -> str:
        lines = [f"digest {self.week}: sent {len(self.sent)}, already sent {len(self.already)}, "
                 f"failed {len(self.failed)}"]
        lines += [f"  failed {r}: {e}" for r, e in self.failed]
        return "\n".join(lines)


def check_mail_settings(settings: Settings) -> None:
    if not settings.digest_to:
        raise DigestError("no recipients: set MONITOR_DIGEST_TO to a comma-separated list of "
                          "addresses (or use --dry-run --out DIR to look at the digest)")
    if not settings.smtp_host:
        raise DigestError("no mail server: set MONITOR_SMTP_HOST (and MONITOR_SMTP_PORT, "
                          "MONITOR_SMTP_USER / MONITOR_SMTP_PASSWORD if it needs a login)")
    if "@" not in settings.digest_from:
        raise DigestError("no sender: set MONITOR_DIGEST_FROM to the address the digest comes from")


@contextmanager
def smtp_connection(settings: Settings) -> Iterator[smtplib.SMTP]:
    """Port 465 is implicit TLS; otherwise STARTTLS when MONITOR_SMTP_STARTTLS (default on)."""
    context = ssl.create_default_context()
    if settings.smtp_port == 465:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                              timeout=settings.smtp_timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    try:
        smtp.ehlo()
        if settings.smtp_starttls and settings.smtp_port != 465:
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        yield smtp
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = "; ".join(f"{code} {msg.decode(errors='replace')}" for code, msg in exc.recipients.values())
        return f"recipient refused: {codes}"
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return f"{type(exc).__name__} {exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}"


def send_digest(repo: Repository, settings: Settings, digest: Digest) -> SendReport:
    """Send to every configured recipient not yet sent this week; record each outcome."""
    check_mail_settings(settings)
    week = digest.week.key
    report = SendReport(week)
    done = repo.digest_sends(week)
    pending: list[str] = []
    for rcpt in dict.fromkeys(settings.digest_to):
        (report.already if rcpt in done and done[rcpt].status == "sent" else pending).append(rcpt)
    if not pending:
        return report
    remaining = list(pending)
    try:
        with smtp_connection(settings) as smtp:
            while remaining:
                rcpt = remaining[0]
                msg = compose(digest, sender=settings.digest_from, recipient=rcpt)
                try:
                    smtp.send_message(msg)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                        smtplib.SMTPSenderRefused) as exc:  # this recipient only; go on
                    remaining.pop(0)
                    repo.record_digest_send(week, rcpt, sent=False, error=_reason(exc))
                    report.failed.append((rcpt, _reason(exc)))
                    smtp.rset()
                    continue
                remaining.pop(0)
                repo.record_digest_send(week, rcpt, sent=True, message_id=msg["Message-ID"])
                report.sent.append(rcpt)
    except (smtplib.SMTPException, OSError) as exc:  # no server, login refused, connection lost
        for rcpt in remaining:
            repo.record_digest_send(week, rcpt, sent=False, error=_reason(exc))
            report.failed.append((rcpt, _reason(exc)))
    return report


def default_week(settings: Settings, now: datetime | None = None) -> IsoWeek:
    """The last full ISO week in the time zone (the digest goes out after it ends)."""
    return IsoWeek.current(settings.zone(), now).shift(-1)


def run_digest(settings: Settings, registry: Registry, *, week: IsoWeek | None = None,
               now: datetime | None = None, wait: float = 0.0) -> SendReport:
    """The weekly job: under the "digest" lock, build the week's digest and send it to every
    recipient not yet sent to (nothing is built when all were)."""
    from monitor.db import make_engine, migrate
    from monitor.lock import run_lock
    from monitor.repository import Repository

    check_mail_settings(settings)
    week = week or default_week(settings, now)
    engine = make_engine(settings.database_url)
    migrate(engine)
    repo = Repository(engine)
    with run_lock(settings.data_dir, "digest", wait=wait, engine=engine):
        done = repo.digest_sends(week.key)
        if all(r in done and done[r].status == "sent" for r in settings.digest_to):
            return SendReport(week.key, already=list(dict.fromkeys(settings.digest_to)))
        digest = build_digest(repo, settings, registry, week, now=now)
        return send_digest(repo, settings, digest)
