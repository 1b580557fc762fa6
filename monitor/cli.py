"""Command line: ``monitor <command>`` (also ``python -m monitor``). Every command has help
text with an example; errors are one line saying what is wrong and what to do, with a
non-zero exit and no traceback."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

import click

from monitor.archive import ArchiveError
from monitor.config import ConfigError, Settings
from monitor.db import DatabaseError, make_engine, migrate
from monitor.lock import LockBusy, run_lock
from monitor.registry import Registry, RegistryError, UnknownOutlet

EXIT_USAGE = 2
EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    ConfigError, RegistryError, UnknownOutlet, DatabaseError, ArchiveError,
)
EXIT_BUSY = 75  # EX_TEMPFAIL: another run holds the lock; try again later


def fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handled(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the monitor's named exceptions into one clear line and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import DBAPIError

        from monitor.snapshot import SnapshotError

        try:
            return fn(*args, **kwargs)
        except LockBusy as exc:
            fail(str(exc), EXIT_BUSY)
        except (*EXPECTED_ERRORS, SnapshotError) as exc:
            fail(str(exc))
        except DBAPIError as exc:
            reason = " ".join(str(exc.orig).split())  # psycopg's messages span lines
            fail(f"database error: {reason}. Check DATABASE_URL and that the database is "
                 "reachable and writable (then run `monitor migrate`).", 3)

    return wrapper


class Context:
    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._registry: Registry | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env()
        return self._settings

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = Registry.load()
        return self._registry

    def repository(self, migrate_first: bool = True):  # type: ignore[no-untyped-def]
        from monitor.repository import Repository

        engine = make_engine(self.settings.database_url)
        if migrate_first:
            migrate(engine)
        return Repository(engine)


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kz-china-monitor")
def main() -> None:
    """China-contestation media monitor for Kazakhstan (ru, kk, en).

    The database is DATABASE_URL (an SQLAlchemy URL), by default the SQLite file
    data/monitor.sqlite3. Example: `monitor demo`, then `sqlite3 data/monitor.sqlite3`.
    """


# ------------------------------------------------------------------ database


@main.command("migrate")
@pass_ctx
@handled
def migrate_cmd(ctx: Context) -> None:
    """Create or upgrade the database schema (Alembic, idempotent).

    Example: DATABASE_URL=postgresql+psycopg://monitor@localhost/monitor monitor migrate
    """
    from monitor.db import current_revision

    repo = ctx.repository()
    repo.sync_outlets(ctx.registry)
    repo.sync_report_zone(ctx.settings.zone().key)  # the views' local days and weeks
    click.echo(f"{ctx.settings.redacted_database_url()} at revision {current_revision(repo.engine)}")


# ------------------------------------------------------------------ crawling


@main.command("crawl")
@click.option("--outlet", "outlets", multiple=True, help="Outlet key (repeatable); default all.")
@click.option("--lang", default="", help="Only this edition language (ru, kk, en).")
@click.option("--sources", default="", help="Comma list of feeds,sitemaps,listings.")
@click.option("--replay", "replay", multiple=True, type=click.Path(path_type=Path),
              help="Replay this WARC instead of the network (repeatable).")
@click.option("--since", callback=parse_day, help="Only items dated on or after YYYY-MM-DD.")
@click.option("--until", callback=parse_day, help="Only items dated on or before YYYY-MM-DD.")
@click.option("--log-level", default="WARNING", show_default=True)
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another running crawl before giving up.")
@pass_ctx
@handled
def crawl_cmd(ctx: Context, outlets: tuple[str, ...], lang: str, sources: str,
              replay: tuple[Path, ...], since: date | None, until: date | None,
              log_level: str, wait: float) -> None:
    """Crawl outlets incrementally: only article URLs not yet stored are fetched.

    Example: monitor crawl --outlet tengrinews --lang kk
    """
    from monitor.crawl import CrawlError, CrawlRequest, check_request, run_crawl

    settings = ctx.settings
    if replay:
        settings = Settings.from_env(replay=tuple(replay))
    keys = list(outlets) or ctx.registry.keys()
    request = CrawlRequest(keys, lang=lang, sources=[s for s in sources.split(",") if s],
                           since=since, until=until)
    try:
        check_request(ctx.registry, request)
        # Distributed crawlers (MONITOR_REDIS_URL) share the lock and each other's runs.
        distributed = bool(settings.redis_url)
        with run_lock(settings.data_dir, "crawl", wait=wait,
                      engine=make_engine(settings.database_url), shared=distributed):
            if not distributed:
                mark_interrupted(ctx)
            run_key = run_crawl(settings, ctx.registry, request, log_level=log_level.upper())
    except CrawlError as exc:
        fail(str(exc))
    print_runs(ctx, run_key)


def mark_interrupted(ctx: Context) -> None:
    """Under the crawl lock no other crawl runs, so a run still marked 'running' was killed
    (SIGKILL, power loss): marked 'interrupted'. Its articles not stored are not known
    either, so this crawl fetches them again."""
    ctx.repository().mark_interrupted_runs()


def print_runs(ctx: Context, run_key: str) -> None:
    from rich.console import Console
    from rich.table import Table

    runs = ctx.repository(migrate_first=False).latest_runs(run_key=run_key)
    table = Table(title=f"crawl {run_key[:8]}")
    for col in ("outlet", "status", "requests", "new", "seen", "dup", "failed", "errors"):
        table.add_column(col, justify="right" if col not in ("outlet", "status") else "left")
    for run in runs:
        table.add_row(run.outlet.key, run.status, str(run.requests), str(run.articles_new),
                      str(run.articles_seen), str(run.articles_duplicate),
                      str(run.extract_failed), str(run.errors))
    Console().print(table)


@main.command("backfill")
@click.option("--outlet", required=True, help="Outlet key (`monitor outlets`).")
@click.option("--lang", default="", help="Only this edition language (ru, kk, en).")
@click.option("--since", callback=parse_day, required=True, help="First day, YYYY-MM-DD.")
@click.option("--until", callback=parse_day, help="Last day, YYYY-MM-DD (default: today).")
@click.option("--sources", default="",
              help="Comma list of feeds,sitemaps,archive,listings (default: what each edition "
                   "has; listings only where there is no archive or sitemap).")
@click.option("--replay", "replay", multiple=True, type=click.Path(path_type=Path),
              help="Replay this WARC instead of the network (repeatable).")
@click.option("--log-level", default="WARNING", show_default=True)
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for a running crawl or backfill before giving up.")
@pass_ctx
@handled
def backfill_cmd(ctx: Context, outlet: str, lang: str, since: date, until: date | None,
                 sources: str, replay: tuple[Path, ...], log_level: str, wait: float) -> None:
    """Walk one outlet's history between two days (day archives, dated sitemaps, feeds,
    listings), with the crawl's politeness, skipping what is stored already.

    Finished days are kept in the database: after an interruption, run the same command
    again and it resumes; no stored article is fetched again. It takes the crawl lock, so a
    scheduled crawl and a backfill never run at once.

    Example: monitor backfill --outlet tengrinews --lang kk --since 2019-09-01 --until 2019-09-30
    """
    from datetime import UTC, datetime, timedelta

    from monitor.backfill import BackfillError, BackfillRequest, check_request, run_backfill

    settings = Settings.from_env(replay=tuple(replay)) if replay else ctx.settings
    entry = ctx.registry.get(outlet)
    today = datetime.now(entry.zone()).date()
    request = BackfillRequest(outlet, since, until or today, lang,
                              tuple(s for s in sources.split(",") if s))
    try:
        check_request(ctx.registry, request, today + timedelta(days=1))
    except BackfillError as exc:
        fail(str(exc))
    started = datetime.now(UTC)
    with run_lock(settings.data_dir, "crawl", wait=wait, engine=make_engine(settings.database_url)):
        with BackfillView(settings, ctx.registry, request, started) as view:
            run_key = run_backfill(settings, ctx.registry, request, log_level=log_level.upper())
    print_runs(ctx, run_key)
    click.echo(view.summary())


class BackfillView:
    """A progress bar for a running backfill, drawn from what the spider writes to the
    database (finished days, stored articles), polled from a thread: the spider has no UI."""

    def __init__(self, settings: Settings, registry: Registry, request: Any,
                 started: Any) -> None:
        from monitor.backfill import days_between

        self.settings, self.request, self.started = settings, request, started
        outlet = registry.get(request.outlet)
        self.langs = [e.lang for e in outlet.editions if e.archive
                      and (not request.lang or e.lang == request.lang)
                      and (not request.sources or "archive" in request.sources)]
        self.total = len(days_between(request.since, request.until)) * len(self.langs)
        self.days: dict[str, int] = {}
        self.articles = 0
        self.repo: Any = None

    def poll(self) -> None:
        from monitor.repository import Repository

        if self.repo is None:
            self.repo = Repository(make_engine(self.settings.database_url))
        repo = self.repo
        outlet_id = repo.outlet_id(self.request.outlet)
        if outlet_id is None:
            return
        by_lang = repo.backfill_days(outlet_id, self.request.since.isoformat(),
                                     self.request.until.isoformat())
        days: dict[str, int] = {}
        for lang in self.langs:
            for state, n in by_lang.get(lang, {}).items():
                days[state] = days.get(state, 0) + n
        self.days = days
        self.articles = repo.articles_created_since(outlet_id, self.started)

    def __enter__(self) -> BackfillView:
        import threading

        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("days · {task.fields[articles]} articles stored"),
                            TimeElapsedColumn(), console=Console(stderr=True))
        r = self.request
        self.task = self.bar.add_task(f"{r.outlet} {r.since}..{r.until}",
                                      total=self.total or None, articles=0)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.bar.start()
        self.thread.start()
        return self

    def _run(self) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        while not self.stop.wait(0.5):
            try:
                self.poll()
            except SQLAlchemyError:
                continue  # the schema may not exist yet; the display simply waits
            self._draw()

    def _draw(self) -> None:
        self.bar.update(self.task, completed=sum(self.days.values()), articles=self.articles)

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        from sqlalchemy.exc import SQLAlchemyError

        try:
            self.poll()
        except SQLAlchemyError:
            pass  # the run's own error is what the user needs to see
        self._draw()
        self.bar.stop()
        if self.repo is not None:
            self.repo.engine.dispose()

    def summary(self) -> str:
        done, failed = self.days.get("done", 0), self.days.get("failed", 0)
        text = f"{self.articles} articles stored by this run"
        if self.total:
            left = self.total - done - failed
            text += (f"; day archives: {done} done, {failed} failed, {left} not finished of "
                     f"{self.total}")
            if failed or left:
                text += " (run the same command again to resume and retry)"
        return text


@main.command("demo")
@click.option("--rebuild", is_flag=True, help="Rebuild the snapshot WARC even if fresh.")
@pass_ctx
@handled
def demo_cmd(ctx: Context, rebuild: bool) -> None:
    """Run the whole monitor offline over the bundled snapshot of the outlets.

    Builds data/snapshot.warc.gz from snapshot/ when it is missing or stale, migrates the
    database, replays every outlet through the real spiders and pipeline, and prints what
    was stored. Running it again fetches no stored article again.

    Example: monitor demo && sqlite3 data/monitor.sqlite3 'select title from articles'
    """
    from monitor.crawl import CrawlRequest, run_crawl
    from monitor.snapshot import build_warc, is_stale

    settings = ctx.settings
    warc = settings.data_dir / "snapshot.warc.gz"
    if rebuild or is_stale(warc):
        warc.parent.mkdir(parents=True, exist_ok=True)
        n = build_warc(ctx.registry, warc)
        click.echo(f"snapshot: {n} recorded responses written to {warc}")
    replay_settings = Settings.from_env(replay=(warc,))
    with run_lock(settings.data_dir, "crawl", engine=make_engine(settings.database_url)):
        mark_interrupted(ctx)
        run_key = run_crawl(replay_settings, ctx.registry, CrawlRequest(ctx.registry.keys()))
    print_runs(ctx, run_key)
    print_summary(ctx)


def print_summary(ctx: Context) -> None:
    from rich.console import Console
    from rich.table import Table

    stats = ctx.repository(migrate_first=False).stats()
    console = Console()
    table = Table(title="articles stored, by outlet and language")
    for col in ("outlet", "lang", "articles", "relevant"):
        table.add_column(col, justify="right" if col in ("articles", "relevant") else "left")
    for row in stats["by_outlet_language"]:
        table.add_row(row["outlet"], row["lang"], str(row["articles"]), str(row["relevant"]))
    console.print(table)
    topics = ", ".join(f"{k} {v}" for k, v in sorted(stats["relevant_by_topic"].items(),
                                                     key=lambda kv: -kv[1])) or "none"
    console.print(f"{stats['articles']} articles ({stats['stories']} stories); "
                  f"{stats['relevant']} about China-related protest or contestation")
    console.print(f"relevant by topic: {topics}")
    console.print(f"database: {ctx.settings.redacted_database_url()}")


# ------------------------------------------------------------------ registry and stats


@main.command("outlets")
@click.option("--json", "as_json", is_flag=True, help="JSON list for scripts.")
@click.option("--markdown", is_flag=True, help="The Markdown table of docs/outlets.md.")
@pass_ctx
@handled
def outlets_cmd(ctx: Context, as_json: bool, markdown: bool) -> None:
    """List the outlets in the registry with their languages and discovery.

    Example: monitor outlets --json | jq '.[].key'; monitor outlets --markdown > docs/outlets.md
    """
    if markdown:
        from monitor.outlet_docs import outlets_markdown

        click.echo(outlets_markdown(ctx.registry), nl=False)
        return
    outlets = [o.as_json() for o in ctx.registry]
    if as_json:
        click.echo(json.dumps(outlets, ensure_ascii=False, indent=2))
        return
    for o in outlets:
        kinds = sorted({k for d in o["discovery"].values() for k in d})
        click.echo(f"{o['key']:<16} {','.join(o['languages']):<9} {o['status']:<8} "
                   f"{'/'.join(kinds):<28} {o['name']}")


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="JSON object for scripts.")
@pass_ctx
@handled
def stats_cmd(ctx: Context, as_json: bool) -> None:
    """Counts of stored articles: total, relevant, by language and by outlet.

    Example: monitor stats --json
    """
    if as_json:
        click.echo(json.dumps(ctx.repository().stats(), ensure_ascii=False, indent=2))
    else:
        ctx.repository()  # a new database gets its schema: zero counts, not "no such table"
        print_summary(ctx)


@main.command("health")
@click.option("--json", "as_json", is_flag=True, help="JSON list of rows for scripts.")
@click.option("--runs", type=click.IntRange(1, 100), default=3, show_default=True,
              help="N in 'no new article in N runs' (and the window for empty fields).")
@click.option("--outlet", "outlets", multiple=True, help="Only this outlet (repeatable).")
@pass_ctx
@handled
def health_cmd(ctx: Context, as_json: bool, runs: int, outlets: tuple[str, ...]) -> None:
    """Crawl health per outlet and language, from the recorded runs: flags no new article
    in N runs, a week far below the 28-day mean, many empty titles / dates / bodies,
    blocked responses, a failed last run. Rules: docs/health.md.

    Example: monitor health --json | jq '.[] | select(.status != "ok")'
    """
    from monitor.health import outlet_health, worst_first

    for key in outlets:
        ctx.registry.get(key)
    rows = [r for r in outlet_health(ctx.repository(), ctx.registry, runs=runs)
            if not outlets or r.outlet in outlets]
    if as_json:
        click.echo(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2))
        return
    print_health(worst_first(rows))


def print_health(rows: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    def day(value: Any) -> str:
        return value.strftime("%Y-%m-%d") if value else "-"

    table = Table(title="crawl health")
    columns = ("outlet", "lang", "status", "last run", "new", "week", "28d mean", "newest",
               "flags")
    for col in columns:
        table.add_column(col, justify="right" if col in ("new", "week", "28d mean") else "left")
    colour = {"ok": "green", "warning": "yellow", "failing": "red", "blocked": "magenta"}
    for r in rows:
        mean = "-" if r.mean_28d is None else f"{r.mean_28d:.1f}"
        table.add_row(r.outlet, r.lang, f"[{colour[r.status]}]{r.status}[/]", day(r.last_run_at),
                      str(r.new_articles), str(r.week_volume), mean, day(r.newest_article),
                      ", ".join(r.flags))
    console = Console()
    console.print(table)
    for r in rows:
        for reason in r.reasons:
            console.print(f"{r.outlet} {r.lang}: {reason}", highlight=False)


# ------------------------------------------------------------------ single-document tools


@main.command("extract")
@click.argument("file", type=click.File("rb"))
@click.option("--url", required=True, help="The page's URL (decides outlet and language).")
@click.option("--fetched-at", default=None, help="ISO time the page was fetched (for 'Сегодня').")
@pass_ctx
@handled
def extract_cmd(ctx: Context, file: Any, url: str, fetched_at: str | None) -> None:
    """Extract one saved HTML page and print it as JSON.

    Example: monitor extract page.html --url https://tengrinews.kz/kazakhstan_news/x-123/
    """
    from datetime import UTC, datetime

    from monitor.extract import Skip
    from monitor.process import Page, process_page

    when = datetime.now(UTC)
    if fetched_at:
        try:
            when = datetime.fromisoformat(fetched_at)
        except ValueError:
            fail(f"--fetched-at {fetched_at!r} is not an ISO 8601 time")
    outlet = ctx.registry.for_url(url)
    page = Page(url=url, body=file.read(), fetched_at=when, outlet_key=outlet.key if outlet else "")
    result = process_page(page, outlet)
    if isinstance(result, Skip):
        click.echo(json.dumps({"skipped": result.reason, "detail": result.detail, "url": url}))
        sys.exit(1)
    ex = result.extracted
    click.echo(json.dumps({
        "url": ex.url, "title": ex.title, "text": ex.text,
        "date": ex.published_at.isoformat() if ex.published_at else None,
        "date_raw": ex.published_raw, "date_source": ex.published_source,
        "author": ex.author, "lang": result.language.lang, "script": result.language.script,
        "outlet": outlet.key if outlet else None,
        "decision": result.decision.as_json(),
    }, ensure_ascii=False, indent=2))


@main.command("classify")
@click.option("--input", "source", type=click.File("rb"), default="-",
              help="JSON Lines file (default: standard input).")
def classify_cmd(source: Any) -> None:
    """Classify JSON Lines documents ({"text", "title"?, "url"?, "lang"?}) from stdin.

    Prints one JSON object per input line, in order, with lang, china, protest, relevant,
    score, topics and matches; a malformed line gives {"error": ...} and the rest go on.

    Example: echo '{"title": "Митинг у консульства КНР", "text": "..."}' | monitor classify
    """
    from monitor.process import analyze

    for number, raw in enumerate(source, 1):
        if not raw.strip():
            continue
        try:
            doc = json.loads(raw.decode("utf-8"))  # a line that is not UTF-8 is one error line
            if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
                raise ValueError("each line needs an object with a string 'text'")
            title = doc.get("title") or ""
            if not isinstance(title, str):
                raise ValueError("'title' must be a string")
            hints = (doc["lang"],) if isinstance(doc.get("lang"), str) else ()
            language, decision = analyze(title, doc["text"], hints)
            out = {"lang": language.lang, "script": language.script, **decision.as_json()}
            if "url" in doc:
                out["url"] = doc["url"]
        except (ValueError, json.JSONDecodeError) as exc:
            out = {"line": number, "error": str(exc)}
        click.echo(json.dumps(out, ensure_ascii=False))


@main.command("reprocess")
@click.option("--since", callback=parse_day, help="Only articles published on or after YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
@pass_ctx
@handled
def reprocess_cmd(ctx: Context, since: date | None, as_json: bool) -> None:
    """Re-run language detection and classification over stored articles.

    Use it after a lexicon or detector change: decisions (with their evidence and lexicon
    version) are rewritten where they differ; running it twice changes nothing the second
    time. Prints how many decisions changed.

    Example: monitor reprocess --since 2019-01-01
    """
    from datetime import UTC, datetime, time

    from rich.progress import Progress

    from monitor.reprocess import reprocess

    repo = ctx.repository()
    start = datetime.combine(since, time.min, UTC) if since else None
    with Progress(transient=True, disable=as_json) as bar:
        task = bar.add_task("reprocessing", total=repo.count_articles(start))
        report = reprocess(repo, since=start, progress=lambda n: bar.advance(task, n))
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    click.echo(f"{report.total} articles reprocessed; {report.changed} decisions changed "
               f"({report.lang_changed} languages, {report.relevant_changed} relevance: "
               f"+{len(report.became_relevant)} / -{len(report.no_longer_relevant)})")


@main.command("evaluate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="The full report as JSON.")
@handled
def evaluate_cmd(file: Path, as_json: bool) -> None:
    """Score the classifier (or the language detector) on a labelled JSON Lines file.

    A file whose lines carry `label` (china_protest, china_other, protest_other, other) is
    a classifier set: precision, recall and F1 per label and per language, and the
    confusion table. A file with `lang` and `kind` but no `label` is a language-ID set.

    Example: monitor evaluate eval/devset.jsonl
    """
    from monitor.evaluate import EvalError, evaluate_file, evaluate_langid_file

    try:
        with file.open(encoding="utf-8") as fh:
            first = next((line for line in fh if line.strip()), "")
        is_labelled = "label" in json.loads(first) if first else True
        report = evaluate_file(file) if is_labelled else evaluate_langid_file(file)
    except (EvalError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        fail(f"{file}: {exc}")
    click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2) if as_json
               else report.format())


# ------------------------------------------------------------------ snapshot


@main.group("snapshot")
def snapshot_group() -> None:
    """Build or preview the recorded outlet snapshot (docs/snapshot.md)."""


@snapshot_group.command("build")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="WARC to write (default: $MONITOR_DATA_DIR/snapshot.warc.gz).")
@pass_ctx
@handled
def snapshot_build(ctx: Context, out: Path | None) -> None:
    """Render snapshot/ into a WARC for replay.

    Example: monitor snapshot build && monitor crawl --replay data/snapshot.warc.gz
    """
    from monitor.snapshot import build_warc

    out = out or ctx.settings.data_dir / "snapshot.warc.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    click.echo(f"{build_warc(ctx.registry, out)} responses written to {out}")


@snapshot_group.command("preview")
@click.option("--outlet", required=True, help="Outlet key.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Directory.")
@pass_ctx
@handled
def snapshot_preview(ctx: Context, outlet: str, out: Path) -> None:
    """Write one outlet's rendered pages as files to look at.

    Example: monitor snapshot preview --outlet tengrinews --out /tmp/tengri
    """
    from monitor.snapshot import preview

    click.echo(f"{preview(ctx.registry, outlet, out)} files written under {out}")


# ------------------------------------------------------------------ reports and scheduling
# (docs/analysts.md, docs/deploy.md)


def report_repository(ctx: Context):  # type: ignore[no-untyped-def]
    """The repository, with the SQL views counting days and weeks in MONITOR_TIMEZONE."""
    ctx.settings.zone()
    repo = ctx.repository()
    repo.sync_report_zone(ctx.settings.timezone)
    return repo


@main.command("search")
@click.argument("query")
@click.option("--lang", default="", help="Only articles in this language (ru, kk, en).")
@click.option("--since", callback=parse_day,
              help="Only articles published on or after this day, YYYY-MM-DD (MONITOR_TIMEZONE).")
@click.option("--relevant", is_flag=True, help="Only articles about China-related contestation.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON list for scripts.")
@pass_ctx
@handled
def search_cmd(ctx: Context, query: str, lang: str, since: date | None, relevant: bool,
               limit: int, as_json: bool) -> None:
    """Full-text search over titles and texts (SQLite FTS5, PostgreSQL full-text search).

    All words must occur; "a phrase" in quotes; word* matches by prefix (there is no
    stemming: use prefixes for Russian and Kazakh endings); OR between alternatives; -word
    excludes. Case is ignored. Best matches first; * after the language marks a relevant
    article.

    Example: monitor search 'митинг* китай*' --lang ru --since 2019-01-01
    """
    from monitor.search import (
        SearchQueryError,
        format_hits,
        hit_json,
        local_midnight_utc,
        parse_query,
    )

    try:
        parsed = parse_query(query)
    except SearchQueryError as exc:
        fail(str(exc))
    zone = ctx.settings.zone()
    hits = ctx.repository().search_articles(
        fts5=parsed.fts5, tsquery=parsed.tsquery, lang=lang, relevant_only=relevant, limit=limit,
        since=local_midnight_utc(since, zone) if since else None)
    if as_json:
        click.echo(json.dumps([hit_json(h) for h in hits], ensure_ascii=False, indent=2))
    else:
        click.echo(format_hits(hits, zone))


@main.command("trends")
@click.option("--by", type=click.Choice(["topic", "outlet", "lang"]), default="topic",
              show_default=True, help="One series per topic, outlet or language.")
@click.option("--weeks", type=click.IntRange(1, 520), default=12, show_default=True,
              help="How many ISO weeks to show.")
@click.option("--until", "until_week", default=None,
              help="Last week shown, YYYY-Www (default: the current week).")
@click.option("--json", "as_json", is_flag=True, help="JSON object for scripts.")
@pass_ctx
@handled
def trends_cmd(ctx: Context, by: str, weeks: int, until_week: str | None, as_json: bool) -> None:
    """Weekly series of relevant articles, with the total from the same outlets and spikes.

    Weeks are ISO weeks (Monday to Sunday) in MONITOR_TIMEZONE. A week is a spike when its
    relevant count is at least 3, twice the mean of the 8 weeks before and that mean plus
    two standard deviations (docs/analysts.md).

    Example: monitor trends --by outlet --weeks 26 --json
    """
    from monitor.classify import TOPICS
    from monitor.trends import IsoWeek, WeekError, weekly_trends

    current = IsoWeek.current(ctx.settings.zone())
    try:
        end = IsoWeek.parse(until_week) if until_week else current
    except WeekError as exc:
        fail(str(exc))
    trends = weekly_trends(report_repository(ctx), by=by, weeks=weeks, end=end,
                           zone=ctx.settings.timezone, partial_week=current,
                           keys=TOPICS if by == "topic" else ())
    click.echo(json.dumps(trends.as_json(), ensure_ascii=False, indent=2) if as_json
               else trends.format())


@main.command("digest")
@click.option("--week", default=None,
              help="ISO week YYYY-Www (default: the last full week in MONITOR_TIMEZONE).")
@click.option("--dry-run", is_flag=True, help="Write the digest as files instead of sending it.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for --dry-run (default: $MONITOR_DATA_DIR/digests).")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another running digest before giving up.")
@pass_ctx
@handled
def digest_cmd(ctx: Context, week: str | None, dry_run: bool, out: Path | None, wait: float) -> None:
    """Send the weekly email digest (HTML, plain text and a chart) to MONITOR_DIGEST_TO.

    Each recipient gets a week's digest once: a re-run sends nothing new, and a failed send
    is tried again on the next run (exit code 1 while any failed). --dry-run writes .eml,
    .html, .txt and .png files and sends nothing.

    Example: monitor digest --week 2026-W48 --dry-run --out /tmp/digest
    """
    from monitor.digest import DigestError, build_digest, default_week, run_digest, write_dry_run
    from monitor.trends import IsoWeek, WeekError

    settings = ctx.settings
    try:
        chosen = IsoWeek.parse(week) if week else default_week(settings)
        if not dry_run:
            report = run_digest(settings, ctx.registry, week=chosen, wait=wait)
            click.echo(report.format())
            sys.exit(1 if report.failed else 0)
    except (WeekError, DigestError) as exc:
        fail(str(exc))
    digest = build_digest(report_repository(ctx), settings, ctx.registry, chosen)
    paths = write_dry_run(digest, out or settings.data_dir / "digests",
                          sender=settings.digest_from, recipients=settings.digest_to)
    click.echo(f"{digest.subject}\n" + "\n".join(f"  {p}" for p in paths))


@main.command("nightly")
@click.option("--outlet", "outlets", multiple=True, help="Outlet key (repeatable); default all.")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another running crawl before giving up.")
@pass_ctx
@handled
def nightly_cmd(ctx: Context, outlets: tuple[str, ...], wait: float) -> None:
    """The nightly job, for cron or a systemd timer: crawl every outlet incrementally (each
    in its own `scrapy crawl` process, within MONITOR_CRAWL_TIME_LIMIT), classify, record
    crawl health in $MONITOR_DATA_DIR/health.json.

    Exit code 0 when every outlet crawled well, 1 when any failed (listed on stderr), 75
    when another crawl holds the lock. Crawl logs: $MONITOR_DATA_DIR/logs/.

    Example: monitor nightly || echo "some outlets failed"
    """
    from monitor.schedule import run_nightly

    result = run_nightly(ctx.settings, ctx.registry, outlets=outlets, wait=wait)
    print_runs(ctx, result.run_key)
    for line in result.failed:
        click.echo(f"failed: {line}", err=True)
    sys.exit(0 if result.ok else 1)


@main.command("schedule")
@click.option("--list", "list_only", is_flag=True, help="Print the jobs and their next runs, then exit.")
@click.option("--outlet", "outlets", multiple=True, help="Nightly crawl only these outlets.")
@pass_ctx
@handled
def schedule_cmd(ctx: Context, list_only: bool, outlets: tuple[str, ...]) -> None:
    """Run the nightly crawl and the weekly digest in the foreground (APScheduler), at
    MONITOR_NIGHTLY_AT and MONITOR_DIGEST_AT in MONITOR_TIMEZONE, until stopped.

    Missed runs are coalesced into one; a job never overlaps itself, and the crawl and
    digest locks keep it from overlapping `monitor nightly` started by cron. One scheduler
    per data directory and database.

    Example: MONITOR_NIGHTLY_AT=03:00 MONITOR_DIGEST_AT='mon 08:00' monitor schedule
    """
    import logging

    from monitor.schedule import build_scheduler, describe_jobs, serve

    for key in outlets:
        ctx.registry.get(key)
    if list_only:
        for line in describe_jobs(build_scheduler(ctx.settings, outlets=outlets)):
            click.echo(line)
        return
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(ctx.settings, outlets=outlets)


if __name__ == "__main__":
    main()
