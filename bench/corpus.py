"""Generated corpora for the benchmarks: thousands of article pages built from the project's
fixtures (the snapshot's articles and the labelled dev set), rendered with the outlets' skins
under their real URL shapes and written to a WARC together with the robots.txt, feeds,
sitemaps and listings that lead a crawl to them. Cached under bench/out/ by content hash.

    python bench/corpus.py --pages 5000            # full article pages (the pipeline figure)
    python bench/corpus.py --pages 100000 --small  # small pages (the memory figure)

Texts: each article is a fresh draw of sentences of its language from the fixtures, so
texts are distinct (as a crawl's are) while the vocabulary, and so the language detector's
and the classifier's work, stays that of real news in ru / kk / en. About 2% of the English
Eurasianet articles repeat a Tengrinews English story (syndication), so dedupe has work.
Dates: a fixed density per edition and month (like one outlet's busy news desk), so a
larger corpus is a longer history of the same site, not a denser one."""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.archive import WarcArchive  # noqa: E402
from monitor.registry import Edition, Outlet, Registry  # noqa: E402
from monitor.snapshot import (  # noqa: E402
    PER_LISTING_PAGE,
    SNAPSHOT_DIR,
    OutletSource,
    Response,
    SiteRenderer,
    _article_context,
    load_sources,
    recorded_at,
)

OUT = ROOT / "bench" / "out"
DEVSET = ROOT / "eval" / "devset.jsonl"
# (outlet, edition language, share of the corpus): the editions whose sitemaps reach every
# article, so a backfill crawl (--since) meets the whole corpus through the real spider.
EDITIONS = (("tengrinews", "ru", 0.35), ("tengrinews", "kk", 0.30),
            ("tengrinews", "en", 0.15), ("eurasianet", "en", 0.20))
PER_MONTH = 300  # articles per edition and month
SYNDICATED_SHARE = 0.02
FIRST_ID = 400_000
_SENTENCE_END = re.compile(r"(?<=[.!?…»])\s+(?=[«\"A-ZА-ЯЁӘҒҚҢӨҰҮҺІ0-9])")
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]", re.I)

SMALL_PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ a.title }} | {{ outlet.name }}</title>
<link rel="canonical" href="{{ a.url }}">
<meta property="og:type" content="article"><meta property="og:title" content="{{ a.title }}">
<meta property="og:url" content="{{ a.url }}">
<meta property="article:published_time" content="{{ a.published.isoformat() }}">
<script type="application/ld+json">{{ ld|tojson }}</script>
</head><body>
<header><a href="/">{{ outlet.name }}</a>
<nav>{% for s in sections %}<a href="/{{ s }}/">{{ s }}</a> {% endfor %}</nav></header>
<main><article><h1>{{ a.title }}</h1>
<time datetime="{{ a.published.isoformat() }}">{{ a.published.date() }}</time>
{% for p in a.paragraphs %}<p>{{ p }}</p>
{% endfor %}</article></main>
<footer><p>© {{ outlet.name }}</p></footer></body></html>
"""


@dataclass(frozen=True)
class Corpus:
    warc: Path
    pages: int  # article pages
    since: str  # YYYY-MM-DD: a crawl with --since this date meets every article
    outlets: tuple[str, ...]
    article_urls: Path  # one URL a line

    def urls(self) -> list[str]:
        return self.article_urls.read_text(encoding="utf-8").split()

    def crawl_args(self) -> list[str]:
        args = ["crawl", "--replay", str(self.warc), "--since", self.since]
        for key in self.outlets:
            args += ["--outlet", key]
        return args


# ------------------------------------------------------------------ text pools


def _sentences(text: str) -> list[str]:
    out = []
    for para in text.split("\n"):
        out += [s.strip() for s in _SENTENCE_END.split(" ".join(para.split())) if s.strip()]
    return [s for s in out if len(s.split()) >= 5]


def text_pools(registry: Registry) -> dict[str, list[str]]:
    """Sentences of each language (ru and kk in Cyrillic, en) from the fixtures."""
    pools: dict[str, list[str]] = {"ru": [], "kk": [], "en": []}
    for source in load_sources(registry):
        for a in source.articles:
            if a["lang"] in pools:
                pools[a["lang"]] += _sentences("\n".join([a["title"] + ".", *a["body"]]))
    for line in DEVSET.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        lang = record.get("lang")
        if lang in pools and (lang == "en" or record.get("script") == "Cyrl"):
            pools[lang] += _sentences(record.get("text") or "")
    for lang, sentences in pools.items():
        kept = list(dict.fromkeys(sentences))
        if lang != "en":
            kept = [s for s in kept if _CYRILLIC.search(s)]
        pools[lang] = kept
    return pools


def _title(rng: random.Random, pool: list[str]) -> str:
    words = rng.choice(pool).rstrip(".!?…").split()
    return " ".join(words[: rng.randint(6, 11)]).strip(",;:—-– ")


def _body(rng: random.Random, pool: list[str], small: bool) -> list[str]:
    count = rng.randint(4, 6) if small else rng.randint(12, 26)
    sentences = rng.sample(pool, count)
    paragraphs, i = [], 0
    while i < len(sentences):
        step = rng.randint(1, 3)
        paragraphs.append(" ".join(sentences[i : i + step]))
        i += step
    return paragraphs


# ------------------------------------------------------------------ articles


def _slug(url: str) -> str:
    tail = re.sub(r"-?\d+(?:\.html?)?$", "", url.rstrip("/").rsplit("/", 1)[-1])
    slug = re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-")
    return slug if len(slug) >= 8 else f"news-{slug}".strip("-") + "-story"


def _url(outlet: Outlet, edition: Edition, number: int, template: dict[str, Any]) -> str:
    prefix = edition.url_prefixes[0]
    if outlet.key == "tengrinews":
        path = template["url"].replace(prefix, "").split("/")[0] if template["url"].startswith(prefix) \
            else "kazakhstan_news"
        url = f"{prefix}{path}/{_slug(template['url'])[:60]}-{number}/"
    else:
        url = f"{prefix}{_slug(template['url'])[:60]}-{number}"
    if not (outlet.is_article_url(url) and outlet.edition_for(url) is edition):
        raise ValueError(f"generated URL {url} does not fit {outlet.key}/{edition.lang}")
    return url


def generate(registry: Registry, pages: int, *, small: bool = False,
             seed: int = 7) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The corpus's articles by (outlet, edition language), newest first."""
    rng = random.Random(seed)
    pools = text_pools(registry)
    templates: dict[str, list[dict[str, Any]]] = {}
    for source in load_sources(registry):
        for a in source.articles:
            templates.setdefault(a["lang"], []).append(a)
    when = recorded_at()
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    number = FIRST_ID
    for key, lang, share in EDITIONS:
        outlet = registry.get(key)
        edition = outlet.edition(lang)
        n = max(1, round(pages * share)) if (key, lang) != EDITIONS[-1][:2] else \
            pages - sum(len(v) for v in out.values())
        span = timedelta(days=30 * max(1, -(-n // PER_MONTH)))
        articles = []
        for _ in range(n):
            number += 1
            template = rng.choice(templates[lang])
            published = when - timedelta(hours=2) - span * rng.random()
            articles.append({
                "url": _url(outlet, edition, number, template), "lang": lang,
                "published": published.replace(microsecond=0),
                "title": _title(rng, pools[lang]), "body": _body(rng, pools[lang], small),
                "author": template.get("author"), "section": template.get("section"),
                "tags": template.get("tags") or [], "lead": None, "label": "other",
            })
        out[(key, lang)] = articles
    _syndicate(rng, out.get(("tengrinews", "en"), []), out.get(("eurasianet", "en"), []))
    for articles in out.values():
        articles.sort(key=lambda a: a["published"], reverse=True)
    return out


def _syndicate(rng: random.Random, source: list[dict[str, Any]], copies: list[dict[str, Any]]) -> None:
    """Some copies repeat a source story's title and text, published a little later."""
    if not source:
        return
    for article in copies:
        if rng.random() < SYNDICATED_SHARE:
            original = rng.choice(source)
            article.update(title=original["title"], body=list(original["body"]),
                           published=original["published"] + timedelta(hours=2))


# ------------------------------------------------------------------ rendering


class _CorpusSite(SiteRenderer):
    """The snapshot's renderer over generated articles: article pages, feeds, sitemaps, the
    listing pages a crawl can reach, robots.txt (no day archives, no odd pages)."""

    def __init__(self, outlet: Outlet, skin: str, small: bool):
        super().__init__(OutletSource(outlet, skin, []), recorded_at())
        self.small = small
        self.small_template = Environment(autoescape=True).from_string(SMALL_PAGE)

    def render(self, by_edition: dict[str, list[dict[str, Any]]]) -> Iterator[Response]:
        for edition in self.outlet.editions:
            items = [_article_context(a, self.outlet, edition) for a in by_edition.get(edition.lang, [])]
            for i, ctx in enumerate(items):
                yield self._article(ctx, items[max(0, i - 2) : i] + items[i + 1 : i + 4], edition)
            yield from self._feeds(edition, items)
            yield from self._sitemaps(edition, items)
            yield from self._listings(edition, items[: PER_LISTING_PAGE * (edition.listing_pages + 1)])
        yield from self._robots()

    def _article(self, ctx: dict[str, Any], related: list[dict[str, Any]], edition: Edition) -> Response:
        if not self.small:
            return self._html(ctx["url"], "article.html.j2", a=ctx, related=related, edition=edition)
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": ctx["title"],
              "datePublished": ctx["published"].isoformat(), "inLanguage": edition.lang,
              "author": {"@type": "Person", "name": ctx["author"]} if ctx["author"] else None}
        html = self.small_template.render(a=ctx, ld={k: v for k, v in ld.items() if v},
                                          outlet=self.outlet, lang=edition.lang,
                                          sections=["news", "politics", "economy", "society"])
        return Response(ctx["url"], 200, "text/html; charset=utf-8", html.encode("utf-8"))


def fingerprint(pages: int, small: bool, seed: int) -> str:
    """Changes whenever the generator, the fixtures, the skins or the registry change."""
    digest = hashlib.sha1(f"{pages}:{small}:{seed}".encode())
    watched = [Path(__file__), DEVSET, *sorted(SNAPSHOT_DIR.rglob("*")),
               *sorted((ROOT / "monitor" / "outlets").glob("*.toml")), ROOT / "monitor" / "snapshot.py"]
    for path in watched:
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def build(pages: int, *, small: bool = False, seed: int = 7, out_dir: Path = OUT) -> Corpus:
    """The corpus's WARC, generated on first use and cached in ``out_dir``."""
    registry = Registry.load()
    name = f"corpus-{'small' if small else 'full'}-{pages}-{fingerprint(pages, small, seed)}"
    warc, urls_file = out_dir / f"{name}.warc.gz", out_dir / f"{name}.urls"
    meta_file = out_dir / f"{name}.json"
    if warc.exists() and urls_file.exists() and meta_file.exists():
        meta = json.loads(meta_file.read_text())
        return Corpus(warc, meta["pages"], meta["since"], tuple(meta["outlets"]), urls_file)
    out_dir.mkdir(parents=True, exist_ok=True)
    articles = generate(registry, pages, small=small, seed=seed)
    skins = {s.outlet.key: s.skin for s in load_sources(registry)}
    when = recorded_at()
    tmp = warc.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    outlets = sorted({key for key, _ in articles})
    with WarcArchive(tmp) as archive:
        for key in outlets:
            site = _CorpusSite(registry.get(key), skins[key], small)
            by_edition = {lang: items for (k, lang), items in articles.items() if k == key}
            for r in site.render(by_edition):
                archive.write_response(r.url, r.status, r.header_list(), r.body, when)
    all_articles = [a for items in articles.values() for a in items]
    since = min(a["published"] for a in all_articles) - timedelta(days=1)
    urls_file.write_text("\n".join(a["url"] for a in all_articles) + "\n", encoding="utf-8")
    meta_file.write_text(json.dumps({"pages": len(all_articles), "since": since.date().isoformat(),
                                     "outlets": outlets}))
    tmp.replace(warc)
    return Corpus(warc, len(all_articles), since.date().isoformat(), tuple(outlets), urls_file)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--small", action="store_true", help="small pages (memory runs)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out-dir", type=Path, default=OUT)
    args = parser.parse_args(argv)
    started = datetime.now()
    corpus = build(args.pages, small=args.small, seed=args.seed, out_dir=args.out_dir)
    print(f"{corpus.pages} article pages in {corpus.warc} "
          f"({corpus.warc.stat().st_size / 1e6:.1f} MB, {datetime.now() - started}); "
          f"replay: monitor {' '.join(corpus.crawl_args())}")


if __name__ == "__main__":
    main()
