"""A fault-injection site for one outlet (Tengrinews, all three editions) on the loopback
server of tests/sitesrv.py: every article URL misbehaves in its own way (slow, timing out,
5xx, 429 with Retry-After, blocked, gone, redirect loops, off-site redirects, truncated,
lying charsets, empty, oversized, gzip bombs, bad dates), and the feeds and sitemaps carry
malformed XML, entity bombs and external entities. ``Fault`` rows say what the monitor must
do with each, so the tests and docs/reliability.md read from one list."""

from __future__ import annotations

import gzip
import json
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Self

from tests.sitesrv import RequestInfo, Served, SiteServer

RU = "https://tengrinews.kz"
KK = "https://kaz.tengrinews.kz"
EN = "https://en.tengrinews.kz"
OFFSITE = "https://phish.example"
HTML = "text/html; charset=utf-8"
DOWNLOAD_TIMEOUT = 3  # seconds, passed to the crawl as MONITOR_DOWNLOAD_TIMEOUT
MAX_PAGE_BYTES = 256 * 1024  # MONITOR_MAX_PAGE_BYTES for the crawl
SLOW = DOWNLOAD_TIMEOUT + 2  # a response that never arrives in time

_WORDS = ("жители", "района", "выступили", "против", "строительства", "завода", "китайской",
          "компании", "акимат", "обещал", "провести", "общественные", "слушания", "вопросу",
          "экологии", "земли", "аренды", "инвесторов", "депутаты", "маслихата", "заявили",
          "что", "решение", "примут", "после", "проверки", "документов", "местные",
          "активисты", "собрали", "подписи", "петиции", "сотни", "человек", "пришли", "площадь")


def article_text(n: int) -> str:
    """Five paragraphs of running Russian text, different for every ``n``."""
    rng = random.Random(n)
    paragraphs = []
    for p in range(5):
        words = [rng.choice(_WORDS) for _ in range(18)]
        paragraphs.append(f"Сообщение {n}.{p}: " + " ".join(words).capitalize() + ".")
    return "\n".join(paragraphs)


def article_html(n: int, title: str, *, published: str = "2026-11-20T10:00:00+05:00",
                 charset: str = "utf-8", text: str | None = None) -> str:
    body = "".join(f"<p>{escape(p)}</p>\n" for p in (text or article_text(n)).split("\n"))
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "headline": title, "datePublished": published,
                     "author": {"@type": "Person", "name": "Корреспондент"}},
                    ensure_ascii=False).replace("</", "<\\/")  # as sites write it in <script>
    return (f'<!DOCTYPE html><html lang="ru"><head><meta charset="{charset}">'
            f"<title>{escape(title)}</title>"
            f'<script type="application/ld+json">{ld}</script></head>'
            f"<body><header><a href=\"/\">Главная</a></header><article><h1>{escape(title)}</h1>"
            f"{body}</article><footer>© Tengrinews</footer></body></html>")


@dataclass(frozen=True)
class Fault:
    """One misbehaving URL and what the monitor must make of it."""

    slug: str  # path under /kazakhstan_news/ (ru edition) or a discovery URL
    fault: str  # what the server does
    outcome: str  # "stored" | a skipped_pages reason | "not requested"
    counters: tuple[tuple[str, str], ...] = ()  # crawl_counters (lang, name) that must be > 0
    title: str | None = None  # the title that must be stored (decoding checks)
    host: str = RU  # 429s go to the kk host: the slow-down they cause stays on that host

    @property
    def url(self) -> str:
        return url(self.slug, self.host)


def url(slug: str, host: str = RU) -> str:
    return f"{host}/kazakhstan_news/{slug}/"


# Title written in windows-1251 and in UTF-8 for the lying-charset pages.
CYRILLIC_TITLE = "Жители Жанаозена против китайского завода"

ARTICLE_FAULTS: list[Fault] = [
    Fault("good-101", "a plain article", "stored"),
    Fault("good-102", "a plain article, also in the sitemap (with utm_ tracking) and a listing",
          "stored"),
    Fault("slow-103", "answers after 0.5 s (within the timeout)", "stored"),
    Fault("timeout-once-104", f"first request hangs {SLOW} s, then answers", "stored",
          (("ru", "error_DownloadTimeoutError"),)),
    Fault("timeout-105", f"every request hangs {SLOW} s (past the timeout)", "timeout",
          (("ru", "article_timeout"),)),
    Fault("status500-106", "500 once, then the article", "stored", (("ru", "status_500"),)),
    Fault("status502-107", "502 on every attempt", "http_502",
          (("ru", "article_http_502"), ("", "retries_exhausted"))),
    Fault("status503-108", "503 with Retry-After: 1 once, then the article", "stored",
          (("ru", "status_503"),)),
    Fault("status429-109", "429 with Retry-After: 2 once, then the article", "stored",
          (("kk", "status_429"),), host=KK),
    Fault("status429-long-110", "429 with Retry-After: 86400 (past the cap)", "http_429",
          (("kk", "rate_limited"),), host=KK),
    Fault("status403-111", "403 Forbidden", "http_403", (("ru", "blocked"),)),
    Fault("challenge-112", "200 with a browser-check (Cloudflare-style) page", "blocked",
          (("ru", "article_blocked"),)),
    Fault("gone-113", "404", "http_404", (("ru", "article_http_404"),)),
    Fault("loop-114", "redirects to itself through a second URL, forever", "redirect_loop",
          (("ru", "article_redirect_loop"),)),
    Fault("offsite-115", f"302 to {OFFSITE}/ (a domain outside the registry)", "offsite",
          (("ru", "article_offsite"),)),
    Fault("moved-116", "301 to another article URL of the outlet", "stored"),
    Fault("truncated-117", "Content-Length 60000, 3000 bytes sent, connection closed",
          "truncated", (("ru", "article_truncated"),)),
    Fault("cp1251-118", "windows-1251 bytes declared as UTF-8", "stored", (),
          CYRILLIC_TITLE + " 118"),
    Fault("utf8-119", "UTF-8 bytes declared (header and meta) as windows-1251", "stored", (),
          CYRILLIC_TITLE + " 119"),
    Fault("badbytes-120", "UTF-8 with a few invalid bytes", "stored", (),
          CYRILLIC_TITLE + " 120"),
    Fault("empty-121", "200 with an empty body", "empty", (("ru", "empty_body"),)),
    Fault("huge-122", f"a page over MONITOR_MAX_PAGE_BYTES ({MAX_PAGE_BYTES} bytes)",
          "too_large", (("ru", "article_too_large"),)),
    Fault("gzipbomb-123", "Content-Encoding: gzip inflating to 64 MB", "too_large",
          (("ru", "article_too_large"),)),
    Fault("future-124", "datePublished in 2031", "stored", (("ru", "future_date"),)),
    Fault("baddate-125", "datePublished unparsable, no other date", "stored",
          (("ru", "no_date"),)),
    Fault("copy-126", "the same title and text as good-101 under another URL", "duplicate",
          (("ru", "articles_duplicate"),)),
]

# Discovery-level faults (feeds and sitemaps of the three editions).
DISCOVERY_FAULTS: list[Fault] = [
    Fault("kk feed", "not XML at all", "counted", (("kk", "feed_malformed"),)),
    Fault("ru sitemap-news-2", "billion-laughs entity expansion", "counted",
          (("ru", "sitemap_links"),)),
    Fault("ru sitemap-news-3", "gzipped sitemap inflating to 64 MB", "counted",
          (("ru", "sitemap_malformed"),)),
    Fault("ru sitemap-news-4", "malformed XML (unclosed tags, truncated)", "counted",
          (("ru", "sitemap_links"),)),
    Fault("kk sitemap", "external entities (file:///etc/passwd, http://loopback/xxe-leak)",
          "not requested", (("kk", "sitemap_links"),)),
    Fault("en feed", "entity expansion and an external entity in an RSS feed", "counted",
          (("en", "feed_links"),)),
    Fault("ru feed", f"a link to {OFFSITE}", "not requested", (("ru", "links_offsite"),)),
]


class _Site:
    """A loopback SiteServer run as a context manager; client timeouts break pipes, which
    are not errors here."""

    def __init__(self) -> None:
        self.server = SiteServer()
        self.server._server.handle_error = lambda *_: None

    def __enter__(self) -> Self:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def origin(self) -> str:
        return self.server.origin


class FaultSite(_Site):
    """The loopback server with every fault installed; ``fixed`` makes it behave (the web
    recovered), so a second crawl shows what is retried and what is never asked again."""

    def __init__(self) -> None:
        super().__init__()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.fixed = False
        self._seen: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._special: dict[str, Callable[[int], Served]] = {}
        self._build()
        self.server.handlers.append(self._handle)

    # ------------------------------------------------------------ lifecycle

    def requested(self, full_url: str) -> int:
        return self.server.requested(full_url)

    def hosts(self) -> set[str]:
        return {r.host for r in self.server.log}

    # ------------------------------------------------------------ pages

    def _page(self, n: int, title: str | None = None, **kw: str) -> Served:
        html = article_html(n, title or f"Новость номер {n} о протестах", **kw)
        return Served(200, [("Content-Type", HTML)], html.encode("utf-8"))

    def _build(self) -> None:
        add = self.server.add
        html_ok = [("Content-Type", "text/plain")]
        for host in (RU, KK, EN):
            add(f"{host}/robots.txt", 200, html_ok, b"User-agent: *\nAllow: /\n")
        for fault in ARTICLE_FAULTS:
            n = int(fault.slug.rsplit("-", 1)[1])
            add(fault.url, 200, [("Content-Type", HTML)], self._page(n).body)
        add(url("moved-target-216"), 200, [("Content-Type", HTML)], self._page(216).body)
        same = article_html(126, "Новость номер 101 о протестах", text=article_text(101))
        add(url("copy-126"), 200, [("Content-Type", HTML)], same.encode())
        self._charset_pages()
        self._date_pages()
        self._feeds_and_sitemaps()
        for host, n in ((KK, 301), (EN, 401)):
            path = "kazakhstan_news" if host == KK else "news"
            add(f"{host}/{path}/listed-{n}/", 200, [("Content-Type", HTML)], self._page(n).body)
        self._special.update({
            "slow-103": lambda i: (time.sleep(0.5), self._page(103))[1],
            "timeout-once-104": lambda i: (time.sleep(SLOW) if i == 1 else None, self._page(104))[1],
            "timeout-105": lambda i: (time.sleep(SLOW), self._page(105))[1],
            "status500-106": lambda i: Served(500, [], b"oops") if i == 1 else self._page(106),
            "status502-107": lambda i: Served(502, [], b"bad gateway"),
            "status503-108": lambda i: (Served(503, [("Retry-After", "1")], b"busy") if i == 1
                                        else self._page(108)),
            "status429-109": lambda i: (Served(429, [("Retry-After", "2")], b"slow down")
                                        if i == 1 else self._page(109)),
            "status429-long-110": lambda i: Served(429, [("Retry-After", "86400")], b"go away"),
            "status403-111": lambda i: Served(403, [("Content-Type", HTML)], b"<h1>Forbidden</h1>"),
            "challenge-112": lambda i: Served(200, [("Content-Type", HTML)], CHALLENGE),
            "gone-113": lambda i: Served(404, [], b"gone"),
            "loop-114": lambda i: Served(301, [("Location", url("loop-b-214"))], b""),
            "loop-b-214": lambda i: Served(301, [("Location", url("loop-114"))], b""),
            "offsite-115": lambda i: Served(302, [("Location", f"{OFFSITE}/kazakhstan_news/x-1/")], b""),
            "moved-116": lambda i: Served(301, [("Location", url("moved-target-216"))], b""),
            "truncated-117": lambda i: Served(
                200, [("Content-Type", HTML), ("Content-Length", "60000"), ("Connection", "close")],
                self._page(117).body[:3000]),
            "empty-121": lambda i: Served(200, [("Content-Type", HTML)], b""),
            "huge-122": lambda i: Served(200, [("Content-Type", HTML)], HUGE),
            "gzipbomb-123": lambda i: Served(
                200, [("Content-Type", HTML), ("Content-Encoding", "gzip")], GZIP_BOMB),
        })

    def _charset_pages(self) -> None:
        t118, t119, t120 = (f"{CYRILLIC_TITLE} {n}" for n in (118, 119, 120))
        cp = article_html(118, t118, charset="windows-1251").encode("windows-1251")
        self.server.add(url("cp1251-118"), 200, [("Content-Type", HTML)], cp)
        lying = article_html(119, t119, charset="windows-1251").encode("utf-8")
        self.server.add(url("utf8-119"), 200,
                        [("Content-Type", "text/html; charset=windows-1251")], lying)
        good = article_html(120, t120).encode("utf-8")
        broken = good.replace("Сообщение 120.1".encode(), b"\xff\xfe" + "Сообщение 120.1".encode())
        broken = broken.replace("Сообщение 120.3".encode(), b"\xc3\x28 " + "Сообщение 120.3".encode())
        self.server.add(url("badbytes-120"), 200, [("Content-Type", HTML)], broken)

    def _date_pages(self) -> None:
        future = article_html(124, "Новость из будущего", published="2031-01-01T10:00:00+05:00")
        self.server.add(url("future-124"), 200, [("Content-Type", HTML)], future.encode())
        bad = article_html(125, "Новость без даты", published="когда-нибудь 99.99.9999")
        self.server.add(url("baddate-125"), 200, [("Content-Type", HTML)], bad.encode())

    def _feeds_and_sitemaps(self) -> None:
        add, xml = self.server.add, [("Content-Type", "application/xml")]
        items = "".join(f"<item><title>{f.slug}</title><link>{f.url}</link>"
                        "<pubDate>Fri, 20 Nov 2026 05:00:00 GMT</pubDate></item>"
                        for f in ARTICLE_FAULTS if f.host == RU)
        items += f"<item><title>off</title><link>{OFFSITE}/kazakhstan_news/offsite-1/</link></item>"
        add(f"{RU}/news.rss", 200, xml,
            f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode())
        add(f"{RU}/sitemap-index.xml", 200, xml, sitemap_index(
            [f"{RU}/sitemap-news-{i}.xml" for i in (1, 2, 4)] + [f"{RU}/sitemap-news-3.xml.gz"]))
        add(f"{RU}/sitemap-news-1.xml", 200, xml,
            urlset([url("good-102") + "?utm_source=sitemap", url("good-101")]))
        add(f"{RU}/sitemap-news-2.xml", 200, xml, BILLION_LAUGHS_SITEMAP)
        add(f"{RU}/sitemap-news-3.xml.gz", 200, [("Content-Type", "application/x-gzip")], XML_BOMB)
        add(f"{RU}/sitemap-news-4.xml", 200, xml,
            b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>" + url("good-101").encode() + b"</loc></url><url><loc>https://tengr")
        add(f"{RU}/news/page/1/", 200, [("Content-Type", HTML)],
            f'<html><body><a href="{url("good-102")}">x</a></body></html>'.encode())
        add(f"{KK}/news.rss", 200, xml, b"<<<this is >> not XML & never was")
        add(f"{KK}/kk-sitemap-index.xml", 200, xml, self.xxe_sitemap())
        add(f"{EN}/rss", 200, xml, entity_feed(f"{EN}/news/listed-401/", self.origin_placeholder))

    # The loopback origin is known only once the server listens; external entities point at it
    # so a fetch would show in the log. The placeholder is replaced when the page is served.
    origin_placeholder = "http://127.0.0.1:9/xxe-leak"

    def xxe_sitemap(self) -> bytes:
        return (
            '<?xml version="1.0"?>\n<!DOCTYPE urlset [\n'
            '  <!ENTITY passwd SYSTEM "file:///etc/passwd">\n'
            f'  <!ENTITY leak SYSTEM "{self.origin_placeholder}">\n]>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{KK}/kazakhstan_news/listed-301/</loc></url>"
            + "".join(f"<url><loc>{f.url}</loc></url>" for f in ARTICLE_FAULTS if f.host == KK)
            + f"<url><loc>{KK}/kazakhstan_news/x-&passwd;-1/</loc></url>"
            f"<url><loc>{KK}/kazakhstan_news/y-&leak;-2/</loc></url></urlset>"
        ).encode()

    def _handle(self, info: RequestInfo) -> Served | None:
        with self._lock:
            self.times[info.path].append(time.monotonic())
            self._seen[(info.host, info.path)] += 1
            attempt = self._seen[(info.host, info.path)]
        if info.path.endswith(("/xxe-leak",)):
            return Served(200, [], b"root:x:0:0:LEAKED")
        faulty = info.host in ("tengrinews.kz", "kaz.tengrinews.kz")
        if self.fixed or not faulty or not info.path.startswith("/kazakhstan_news/"):
            return self._replace_origin(info)
        slug = info.path.split("/")[2]
        special = self._special.get(slug)
        return special(attempt) if special else None

    def _replace_origin(self, info: RequestInfo) -> Served | None:
        served = self.server.pages.get((info.host, info.path))
        if served and self.origin_placeholder.encode() in served.body:
            body = served.body.replace(self.origin_placeholder.encode(),
                                       f"{self.origin}/xxe-leak".encode())
            return Served(served.status, served.headers, body)
        return None


CHALLENGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
             b'<div id="cf-chl-widget">Checking your browser before accessing tengrinews.kz.'
             b"</div><noscript>Please enable JavaScript and cookies to continue</noscript>"
             b"</body></html>")
HUGE = article_html(122, "Огромная страница").replace(
    "</article>", "<p>" + "очень длинный текст " * 20000 + "</p></article>").encode()
assert len(HUGE) > MAX_PAGE_BYTES
GZIP_BOMB = gzip.compress(b"<html><body><p>" + b" " * (64 * 1024 * 1024) + b"</p></body></html>",
                          compresslevel=9)
XML_BOMB = gzip.compress(b"<urlset>" + b" " * (64 * 1024 * 1024) + b"</urlset>", compresslevel=9)


def sitemap_index(children: list[str]) -> bytes:
    body = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
    return (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{body}</sitemapindex>").encode()


def urlset(urls: list[str]) -> bytes:
    body = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls)
    return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{body}</urlset>").encode()


LAUGHS = ('<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
          + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
                    for i in range(1, 10))
          + "]>\n")
BILLION_LAUGHS_SITEMAP = (
    '<?xml version="1.0"?>\n' + LAUGHS.replace("lolz", "urlset")
    + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    f"<url><loc>{RU}/kazakhstan_news/good-101/</loc></url>"
    f"<url><loc>{RU}/kazakhstan_news/lol-&lol9;-1/</loc></url></urlset>"
).encode()


def entity_feed(link: str, leak: str) -> bytes:
    return (
        '<?xml version="1.0"?>\n' + LAUGHS.replace("lolz", "rss").replace(
            "]>", f' <!ENTITY leak SYSTEM "{leak}">\n]>')
        + f'<rss version="2.0"><channel><title>&lol9;</title>'
        f"<item><title>&leak;</title><link>{link}</link></item></channel></rss>"
    ).encode()


class SteadySite(_Site):
    """A well-behaved Tengrinews (ru feed of ``n`` articles), each answering after ``delay``
    seconds, so a crawl lasts long enough to be killed, raced or cut off mid-way."""

    def __init__(self, n: int, delay: float = 0.0, *, start: int = 1000,
                 gate: threading.Event | None = None) -> None:
        self.urls = [url(f"steady-{start + i}") for i in range(n)]
        self.delay = delay
        self.gate = gate  # while clear, article responses are held back
        super().__init__()
        items = "".join(f"<item><link>{u}</link></item>" for u in self.urls)
        self.server.add(f"{RU}/news.rss", 200, [("Content-Type", "application/xml")],
                        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
                        .encode())
        for i, u in enumerate(self.urls):
            n = start + i
            html = article_html(n, f"Новость {n}", text=article_text(n) + "\n" + article_text(-n))
            self.server.add(u, 200, [("Content-Type", HTML)], html.encode())
        self.server.handlers.append(self._slow)

    def _slow(self, info: RequestInfo) -> None:
        if info.path.startswith("/kazakhstan_news/"):
            if self.gate is not None:
                self.gate.wait(120)
            time.sleep(self.delay)
        return None

    def article_requests(self) -> list[str]:
        """Article URLs requested so far, in order (with repeats)."""
        with self.server._lock:
            return [f"https://{r.host}{r.path}" for r in self.server.log
                    if r.path.startswith("/kazakhstan_news/")]
