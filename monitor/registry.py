"""Outlet registry: loads the outlet entries (data files in ``monitor/outlets/``) into typed,
frozen records that every stage reads; no stage hard-codes a site."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OUTLETS_DIR = Path(__file__).with_name("outlets")
CMS_FILE = "_cms.toml"
STATUSES = ("active", "blocked", "paused")


class RegistryError(ValueError):
    """An outlet entry is malformed; the message names the file and the field."""


class UnknownOutlet(KeyError):
    """No outlet has the requested key."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Overrides:
    """Per-field corrections for sites where the generic extraction gets one field wrong."""

    title_selector: str | None = None
    body_selector: str | None = None
    date_selector: str | None = None
    author_selector: str | None = None
    title_strip: str | None = None  # regex removed from the title (site name suffixes)
    author_exclude: str | None = None  # regex: author names to drop ("RFE/RL")
    drop_paragraphs: tuple[str, ...] = ()  # regexes of boilerplate paragraphs
    not_article_selector: str | None = None  # CSS: its presence marks a non-article page

    def merged(self, other: Overrides) -> Overrides:
        """``other``'s set fields win over this one's (outlet over CMS profile)."""
        values = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            values[f.name] = theirs if theirs not in (None, ()) else mine
        return Overrides(**values)


@dataclass(frozen=True)
class Edition:
    """One language of an outlet: where its URLs live and how to discover them."""

    lang: str
    url_prefixes: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sitemap_follow: tuple[str, ...] = ()  # regexes on child-sitemap URLs worth following
    listings: tuple[str, ...] = ()  # templates with {page}
    listing_pages: int = 3
    first_page: int = 1  # 0 for pagers that count from zero (Drupal's ?page=0)
    archive: str | None = None  # day archive template with {date:%Y/%m/%d} and optional {page}
    timezone: str | None = None  # overrides the outlet's zone for this edition

    def discovery(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name in ("feeds", "sitemaps", "listings"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.archive:
            out["archive"] = [self.archive]
        return out


@dataclass(frozen=True)
class Outlet:
    key: str
    name: str
    homepage: str
    editions: tuple[Edition, ...]
    article_url: str  # regex an article URL matches
    country: str = ""
    timezone: str = "Asia/Almaty"
    cms: str | None = None
    exclude_url: tuple[str, ...] = ()
    status: str = "active"
    status_reason: str = ""
    section_filter: str | None = None  # regex: international outlets keep only these URLs
    overrides: Overrides = field(default_factory=Overrides)
    notes: str = ""

    @cached_property
    def _article_re(self) -> re.Pattern[str]:
        return re.compile(self.article_url)

    @cached_property
    def _exclude_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.exclude_url)

    @cached_property
    def _section_re(self) -> re.Pattern[str] | None:
        return re.compile(self.section_filter) if self.section_filter else None

    @property
    def languages(self) -> list[str]:
        return [e.lang for e in self.editions]

    @cached_property
    def domains(self) -> tuple[str, ...]:
        hosts: list[str] = []
        for ed in self.editions:
            urls = [*ed.url_prefixes, *ed.feeds, *ed.sitemaps, *ed.listings]
            for url in urls:
                host = (urlsplit(url).hostname or "").lower()
                if host and host not in hosts:
                    hosts.append(host)
        return tuple(hosts)

    @property
    def crawlable(self) -> bool:
        return self.status == "active"

    def owns(self, url: str) -> bool:
        """True when ``url`` is on one of this outlet's hosts."""
        host = (urlsplit(url).hostname or "").lower()
        return host in self.domains

    def edition_for(self, url: str) -> Edition | None:
        """The edition whose URL prefix matches ``url`` best (longest prefix wins)."""
        best: tuple[int, Edition] | None = None
        low = _strip_scheme(url)
        for ed in self.editions:
            for prefix in ed.url_prefixes:
                p = _strip_scheme(prefix)
                if low.startswith(p) and (best is None or len(p) > best[0]):
                    best = (len(p), ed)
        return best[1] if best else None

    def is_article_url(self, url: str) -> bool:
        if not self._article_re.search(url):
            return False
        if any(r.search(url) for r in self._exclude_res):
            return False
        return self._section_re is None or bool(self._section_re.search(url))

    def edition(self, lang: str) -> Edition:
        for ed in self.editions:
            if ed.lang == lang:
                return ed
        raise RegistryError(
            f"outlet {self.key!r} has no {lang!r} edition; it has {', '.join(self.languages)}"
        )

    def zone(self, edition: Edition | None = None) -> ZoneInfo:
        return ZoneInfo((edition.timezone if edition else None) or self.timezone)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "domains": list(self.domains),
            "languages": self.languages,
            "discovery": {ed.lang: ed.discovery() for ed in self.editions},
            "status": self.status,
            "status_reason": self.status_reason,
            "homepage": self.homepage,
            "timezone": self.timezone,
        }


def _strip_scheme(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.lower())


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


_TUPLE_FIELDS = {"url_prefixes", "feeds", "sitemaps", "sitemap_follow", "listings",
                 "exclude_url", "drop_paragraphs"}


def _build(cls: type, data: Mapping[str, Any], where: str) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise RegistryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; "
                            f"known: {', '.join(sorted(known))}")
    kwargs = {k: (_tuple(v) if k in _TUPLE_FIELDS else v) for k, v in data.items()}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise RegistryError(f"{where}: {exc}") from None


def _validate(outlet: Outlet, where: str) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", outlet.key):
        raise RegistryError(f"{where}: key {outlet.key!r} must be lower-case letters, digits, _")
    if outlet.status not in STATUSES:
        raise RegistryError(f"{where}: status must be one of {', '.join(STATUSES)}")
    if outlet.status != "active" and not outlet.status_reason:
        raise RegistryError(f"{where}: a {outlet.status} outlet needs a status_reason")
    if not outlet.editions:
        raise RegistryError(f"{where}: at least one [[editions]] entry is required")
    langs = outlet.languages
    if len(set(langs)) != len(langs):
        raise RegistryError(f"{where}: duplicate edition languages {langs}")
    try:
        re.compile(outlet.article_url)
        for pattern in (*outlet.exclude_url, outlet.section_filter or ""):
            re.compile(pattern)
    except re.error as exc:
        raise RegistryError(f"{where}: bad regex: {exc}") from None
    try:
        ZoneInfo(outlet.timezone)
        for ed in outlet.editions:
            if ed.timezone:
                ZoneInfo(ed.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RegistryError(f"{where}: unknown time zone: {exc}") from None
    for ed in outlet.editions:
        if not ed.url_prefixes:
            raise RegistryError(f"{where}: edition {ed.lang!r} needs url_prefixes")
        for tpl in ed.listings:
            if "{page}" not in tpl:
                raise RegistryError(f"{where}: listing {tpl!r} needs a {{page}} placeholder")


def load_outlet(path: Path, cms_profiles: Mapping[str, Overrides] | None = None) -> Outlet:
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{where}: not valid TOML: {exc}") from None
    editions = tuple(
        _build(Edition, ed, f"{where} [[editions]] #{i + 1}")
        for i, ed in enumerate(data.pop("editions", []))
    )
    overrides = _build(Overrides, data.pop("overrides", {}), f"{where} [overrides]")
    cms = data.get("cms")
    if cms:
        profiles = cms_profiles or {}
        if cms not in profiles:
            raise RegistryError(f"{where}: unknown cms {cms!r}; profiles: {', '.join(profiles)}")
        overrides = profiles[cms].merged(overrides)
    outlet = _build(Outlet, {**data, "editions": editions, "overrides": overrides}, where)
    _validate(outlet, where)
    return outlet


def load_cms_profiles(directory: Path) -> dict[str, Overrides]:
    path = directory / CMS_FILE
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {name: _build(Overrides, spec, f"{CMS_FILE} [{name}]") for name, spec in data.items()}


class Registry:
    """All outlets, by key; load once and pass it around (no module-level singleton)."""

    def __init__(self, outlets: Iterable[Outlet]):
        self._outlets: dict[str, Outlet] = {}
        for outlet in outlets:
            if outlet.key in self._outlets:
                raise RegistryError(f"duplicate outlet key {outlet.key!r}")
            self._outlets[outlet.key] = outlet

    @classmethod
    def load(cls, directory: Path | None = None) -> Registry:
        directory = directory or OUTLETS_DIR
        profiles = load_cms_profiles(directory)
        paths = sorted(p for p in directory.glob("*.toml") if not p.name.startswith("_"))
        return cls(load_outlet(p, profiles) for p in paths)

    def __iter__(self):
        return iter(self._outlets.values())

    def __len__(self) -> int:
        return len(self._outlets)

    def __contains__(self, key: object) -> bool:
        return key in self._outlets

    def get(self, key: str) -> Outlet:
        try:
            return self._outlets[key]
        except KeyError:
            raise UnknownOutlet(
                f"unknown outlet {key!r}; run `monitor outlets` to list the keys "
                f"({', '.join(sorted(self._outlets))})"
            ) from None

    def keys(self) -> list[str]:
        return list(self._outlets)

    def for_url(self, url: str) -> Outlet | None:
        for outlet in self._outlets.values():
            if outlet.owns(url):
                return outlet
        return None

    @cached_property
    def all_domains(self) -> frozenset[str]:
        return frozenset(d for o in self._outlets.values() for d in o.domains)
