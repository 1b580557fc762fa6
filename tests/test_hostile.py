"""Hostile and bad input: the command line and configuration answer with one clear line and a
non-zero exit, never a traceback; web text is stored without terminal control characters and
rendered escaped; SQL takes values only as bound parameters; secrets stay out of output; the
crawler does not leave the registry's domains."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from scrapy import Request

from monitor.cli import main
from monitor.config import Settings
from monitor.db import make_engine, migrate
from monitor.extract import extract_article
from monitor.middlewares import OffsiteRedirect, RedirectGuardMiddleware
from monitor.process import Page, process_page
from monitor.registry import Registry
from monitor.repository import Repository
from tests.conftest import ROOT, monitor_env, run_monitor
from tests.faultsrv import article_html

SECRET = "hunter2-Zq9"
HOSTILE_TITLE = ("Митинг \x1b[2J\x1b]0;owned\x07 \x9b31m <script>alert('x')</script> "
                 "[bold red]markup[/] '); DROP TABLE articles; -- \"quoted\"")


def invoke(tmp_path: Path, args: list[str], *, input: bytes | None = None,
           **env: str):  # type: ignore[no-untyped-def]
    base = {k: None for k in ("DATABASE_URL", "MONITOR_REPLAY", "MONITOR_ORIGIN_OVERRIDE")}
    result = CliRunner().invoke(main, args, input=input,
                                env={**base, "MONITOR_DATA_DIR": str(tmp_path), **env})
    # Whatever happened, it ended through sys.exit (a clear message), not an exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args}: {result.exception!r}\n{result.output}")
    return result


# ------------------------------------------------------------------ command line, config

BAD_INPUT = [
    (["crawl", "--outlet", "nosuch"], {}, 2, "unknown outlet 'nosuch'; run `monitor outlets`"),
    (["crawl", "--outlet", "rferl", "--lang", "kk"], {}, 2, "has a 'kk' edition"),
    (["crawl", "--sources", "rss,feeds"], {}, 2, "unknown source(s) rss; use a comma list"),
    (["crawl", "--since", "2026-12-01", "--until", "2026-01-01"], {}, 2, "swap them"),
    (["crawl", "--since", "yesterday"], {}, 2, "use YYYY-MM-DD"),
    (["crawl", "--wait", "soon"], {}, 2, "'soon' is not a valid float"),
    (["crawl", "--outlet", "rferl", "--replay", "/nonexistent/x.warc.gz"], {}, 2,
     "`monitor snapshot build`"),
    (["stats"], {"MONITOR_DOWNLOAD_TIMEOUT": "thirty"}, 2,
     "MONITOR_DOWNLOAD_TIMEOUT='thirty' is not a whole number"),
    (["stats"], {"MONITOR_CONCURRENT_PER_DOMAIN": "0"}, 2, "must be at least 1"),
    (["stats"], {"MONITOR_DOWNLOAD_DELAY": "-1"}, 2, "must be a number of seconds, 0 or more"),
    (["stats"], {"MONITOR_RETRY_AFTER_MAX": "nan"}, 2, "MONITOR_RETRY_AFTER_MAX='nan'"),
    (["stats"], {"DATABASE_URL": "nonsense://"}, 2, "DATABASE_URL"),
    (["stats"], {"DATABASE_URL": f"postgresql+psycopg://monitor:{SECRET}@127.0.0.1:1/m"}, 3,
     "Check DATABASE_URL"),
    (["extract", "{binary}", "--url", "https://tengrinews.kz/a/b-1/", "--fetched-at", "noon"],
     {}, 2, "is not an ISO 8601 time"),
    (["evaluate", "{binary}"], {}, 2, "codec can't decode"),
    (["trends", "--until", "last week"], {}, 2, ""),
    (["search", "!!! ???"], {}, 2, "nothing to search for"),
]


@pytest.mark.parametrize("args,env,code,message", BAD_INPUT,
                         ids=[" ".join(a[:3]) + "|" + ",".join(e) for a, e, _, _ in BAD_INPUT])
def test_bad_input_is_one_clear_line(tmp_path: Path, args: list[str], env: dict[str, str],
                                     code: int, message: str) -> None:
    binary = tmp_path / "binary.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    args = [str(binary) if a == "{binary}" else a for a in args]
    result = invoke(tmp_path, args, **env)
    assert result.exit_code == code, result.output
    errors = [line for line in result.stderr.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1, result.stderr  # click's usage errors add only a usage hint
    assert message in errors[0]
    assert SECRET not in result.output


def test_a_real_process_gives_the_same_single_line(tmp_path: Path) -> None:
    out = run_monitor(["crawl", "--outlet", "rferl", "--lang", "kk"], monitor_env(tmp_path),
                      check=False)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "error: no outlet asked for has a 'kk' edition; their languages: en"]


def test_binary_and_broken_lines_do_not_stop_classify_or_extract(tmp_path: Path) -> None:
    lines = b"\xff\xfe{\"text\": 1}\n{not json\n" + '{"text": "Жители против завода"}\n'.encode()
    result = invoke(tmp_path, ["classify"], input=lines)
    out = result.stdout.splitlines()
    assert result.exit_code == 0 and len(out) == 3
    assert '"line": 1' in out[0] and '"line": 2' in out[1] and '"lang": "ru"' in out[2]
    binary = tmp_path / "page.html"
    binary.write_bytes(bytes(range(256)) * 40)
    result = invoke(tmp_path, ["extract", str(binary), "--url", "https://tengrinews.kz/a/b-1/"])
    assert result.exit_code == 1 and '"skipped"' in result.stdout


# ------------------------------------------------------------------ web text, rendering


def hostile_page(registry: Registry) -> Page:
    html = article_html(7, HOSTILE_TITLE).replace("Корреспондент", "Автор \x1b[31m <b>x</b>")
    return Page(url="https://tengrinews.kz/kazakhstan_news/hostile-7/", body=html.encode(),
                fetched_at=datetime.now(UTC), outlet_key="tengrinews")


def test_control_characters_are_not_stored(registry: Registry) -> None:
    result = extract_article(hostile_page(registry).body, hostile_page(registry).url,
                             outlet=registry.get("tengrinews"))
    for value in (result.title, result.author, result.text):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", value), repr(value)
    assert "<script>alert('x')</script>" in result.title  # text, kept as written


def test_search_prints_web_titles_inertly(tmp_path: Path, registry: Registry) -> None:
    repo = Repository(make_engine(f"sqlite:///{tmp_path}/monitor.sqlite3"))
    migrate(repo.engine)
    ids = repo.sync_outlets(registry)
    processed = process_page(hostile_page(registry), registry.get("tengrinews"))
    assert repo.store_article(processed, outlet_id=ids["tengrinews"], run_id=None).status == "new"
    result = invoke(tmp_path, ["search", "митинг"])
    assert result.exit_code == 0 and "DROP TABLE" in result.stdout
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.stdout)


# ------------------------------------------------------------------ SQL


def test_values_reach_sql_only_as_parameters(tmp_path: Path, registry: Registry) -> None:
    """Quotes, comments and statement separators in web text and queries are data."""
    repo = Repository(make_engine(f"sqlite:///{tmp_path}/monitor.sqlite3"))
    migrate(repo.engine)
    ids = repo.sync_outlets(registry)
    processed = process_page(hostile_page(registry), registry.get("tengrinews"))
    repo.store_article(processed, outlet_id=ids["tengrinews"], run_id=None)
    stored = repo.known_urls([processed.extracted.url, "x' OR '1'='1"])
    assert stored == {processed.extracted.url}
    repo.record_skip("https://tengrinews.kz/a/'; DELETE FROM articles; --", outlet_id=1,
                     reason="http_404", detail="'); DROP TABLE outlets; --")
    assert repo.stats()["articles"] == 1 and len(repo.sync_outlets(registry)) == len(ids)


# Names interpolated into SQL text: each was read and holds only fixed SQL fragments (column
# lists, joins, filters made of constant strings with :named parameters, pragma names, the
# "_shared" suffix of an advisory-lock function).
REVIEWED_FRAGMENTS = {"cols", "joins", "filters", "PG_DOCUMENT", "pragma", "mode"}
SQL_CALLS = {"text", "exec_driver_sql", "execute", "executemany", "executescript"}


def test_no_value_is_formatted_into_sql() -> None:
    offenders = []
    for path in sorted((ROOT / "monitor").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in SQL_CALLS:
                continue
            arg = node.args[0]
            if isinstance(arg, ast.JoinedStr):
                names = {ast.unparse(v.value) for v in arg.values
                         if isinstance(v, ast.FormattedValue)}
                if names - REVIEWED_FRAGMENTS:
                    offenders.append(f"{path.name}:{node.lineno} {sorted(names)}")
            elif isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod):
                offenders.append(f"{path.name}:{node.lineno} %-formatting")
            elif isinstance(arg, ast.Call) and getattr(arg.func, "attr", "") == "format":
                offenders.append(f"{path.name}:{node.lineno} str.format")
    assert not offenders, ("SQL built from values (bind them as :parameters, or add a name "
                           f"holding only fixed SQL to REVIEWED_FRAGMENTS): {offenders}")


# ------------------------------------------------------------------ secrets


def test_secrets_come_from_the_environment_and_are_masked() -> None:
    cfg = Settings.from_env({"DATABASE_URL": f"postgresql+psycopg://m:{SECRET}@db/m",
                             "MONITOR_SMTP_PASSWORD": SECRET})
    assert SECRET not in cfg.redacted_database_url()
    assert SECRET not in repr(cfg).replace(cfg.database_url, "")  # smtp_password: repr=False
    logged = []
    for path in sorted((ROOT / "monitor").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"(log\w*\.\w+|echo|print)\(.*(database_url|password)", line) and \
                    "redacted" not in line:
                logged.append(f"{path.name}:{number}: {line.strip()}")
    assert not logged, f"a secret may reach output: {logged}"


# ------------------------------------------------------------------ domains


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def test_no_request_leaves_the_registry_even_when_scrapy_would_let_it(registry: Registry) -> None:
    crawler = SimpleNamespace(spider=SimpleNamespace(outlet=registry.get("tengrinews")),
                              stats=_Stats())
    guard = RedirectGuardMiddleware(crawler)  # type: ignore[arg-type]
    guard.process_request(Request("https://kaz.tengrinews.kz/news/a-1/"))  # its own: passes
    guard.process_request(Request("https://www.tengrinews.kz/news/a-1/"))  # a subdomain too
    # A retried request has dont_filter=True, which Scrapy's offsite filter lets through.
    with pytest.raises(OffsiteRedirect):
        guard.process_request(Request("https://tengrinews.kz.evil.example/a-1/", dont_filter=True))
    with pytest.raises(OffsiteRedirect):
        guard.process_request(Request("http://127.0.0.1:8080/admin", dont_filter=True))
    assert crawler.stats.values["monitor//offsite_refused"] == 2
