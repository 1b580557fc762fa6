"""docs/outlets.md is generated from the registry; this fails when it is stale and names the
command that regenerates it."""

from __future__ import annotations

from pathlib import Path

from monitor.outlet_docs import COMMAND, outlets_markdown
from monitor.registry import Registry
from tests.conftest import ROOT, monitor_env, run_monitor

DOC = ROOT / "docs" / "outlets.md"


def test_outlet_table_in_the_docs_is_current(registry: Registry) -> None:
    assert DOC.exists(), f"docs/outlets.md is missing; create it with `{COMMAND}`"
    assert DOC.read_text(encoding="utf-8") == outlets_markdown(registry), (
        f"docs/outlets.md is stale (the registry changed); regenerate it with `{COMMAND}`")


def test_the_table_lists_every_outlet_and_edition(registry: Registry) -> None:
    text = outlets_markdown(registry)
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(registry)
    for outlet in registry:
        row = next(r for r in rows if r.startswith(f"| `{outlet.key}` |"))
        for lang in outlet.languages:
            assert f"{lang}: " in row, (outlet.key, lang)
        if outlet.status != "active":
            assert outlet.status in row


def test_the_command_prints_the_same_table(tmp_path: Path, registry: Registry) -> None:
    out = run_monitor(["outlets", "--markdown"], monitor_env(tmp_path)).stdout
    assert out == outlets_markdown(registry)
