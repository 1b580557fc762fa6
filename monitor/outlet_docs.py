"""The outlet table of the docs (docs/outlets.md), generated from the registry by
`monitor outlets --markdown`; tests/test_outlet_docs.py fails when the file is stale."""

from __future__ import annotations

from monitor.registry import Edition, Outlet, Registry

COMMAND = "monitor outlets --markdown > docs/outlets.md"
KINDS = (("feeds", "feed"), ("sitemaps", "sitemap"), ("listings", "listing"))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _discovery(edition: Edition) -> str:
    parts = []
    for name, label in KINDS:
        n = len(getattr(edition, name))
        if n:
            parts.append(label if n == 1 else f"{n} {label}s")
    if edition.archive:
        parts.append("day archive")
    return f"{edition.lang}: {', '.join(parts) or 'none'}"


def _status(outlet: Outlet) -> str:
    if outlet.status == "active":
        return "active"
    return f"{outlet.status}: {_cell(outlet.status_reason)}"


def outlets_markdown(registry: Registry) -> str:
    """A Markdown page listing every outlet: languages, hosts, discovery, status, notes."""
    outlets = sorted(registry, key=lambda o: o.key)
    languages = sorted({lang for o in outlets for lang in o.languages})
    lines = [
        "# Outlets",
        "",
        f"Generated from the registry (`monitor/outlets/*.toml`) by `{COMMAND}`;",
        "do not edit by hand. `monitor outlets --json` gives the same as data.",
        "",
        f"{len(outlets)} outlets; editions by language: "
        + ", ".join(f"{lang} {sum(lang in o.languages for o in outlets)}" for lang in languages)
        + ".",
        "",
        "| key | outlet | languages | hosts | discovery | time zone | status | notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for o in outlets:
        discovery = "<br>".join(_discovery(e) for e in o.editions)
        lines.append(
            f"| `{o.key}` | [{_cell(o.name)}]({o.homepage}) | {', '.join(o.languages)} | "
            f"{', '.join(o.domains)} | {discovery} | {o.timezone} | {_status(o)} | "
            f"{_cell(o.notes)} |"
        )
    return "\n".join(lines) + "\n"
