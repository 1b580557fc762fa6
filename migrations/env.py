"""Alembic environment: migrates the database named by the config's ``sqlalchemy.url``
(set by ``monitor migrate``) or by DATABASE_URL / the default SQLite file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from monitor.config import Settings
from monitor.models import Base
from monitor.views import UNMODELLED_COLUMNS, UNMODELLED_INDEXES, UNMODELLED_TABLE_PREFIX

config = context.config
target_metadata = Base.metadata


def _modelled(name: str | None, type_: str, parents: dict) -> bool:
    """The full-text table, column and indexes are created by hand (monitor/views.py)."""
    if type_ == "table" and name and name.startswith(UNMODELLED_TABLE_PREFIX):
        return False
    if type_ == "column" and (parents.get("table_name"), name) in UNMODELLED_COLUMNS:
        return False
    return not (type_ == "index" and name in UNMODELLED_INDEXES)


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        include_name=_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        section = {"sqlalchemy.url": _url()}
        engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
