"""report zone periods, digest sends, analyst views and full-text search

Revision ID: 8a1507d52c46
Revises: 452716567735
Create Date: 2026-11-29

The views and the full-text index are version 1 of monitor/views.py (a released version is
never edited there, so this migration rebuilds the same SQL forever). The report time zone
starts as MONITOR_TIMEZONE (default Asia/Almaty); `monitor migrate` follows later changes.
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor import views

revision: str = "8a1507d52c46"
down_revision: str | None = "452716567735"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS_VERSION = 1


def upgrade() -> None:
    op.create_table(
        "digest_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_sends")),
        sa.UniqueConstraint("week", "recipient", name=op.f("uq_digest_sends_week")),
    )
    with op.batch_alter_table("digest_sends", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_sends_week"), ["week"], unique=False)

    zone_table = op.create_table(
        "report_zone_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("utc_offset_seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_zone_periods")),
    )
    with op.batch_alter_table("report_zone_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_zone_periods_starts_at"), ["starts_at"], unique=False)

    zone = os.environ.get("MONITOR_TIMEZONE") or "Asia/Almaty"
    op.bulk_insert(zone_table, [
        {"zone": zone, "starts_at": p.starts_at, "ends_at": p.ends_at,
         "utc_offset_seconds": p.utc_offset_seconds}
        for p in views.zone_periods(zone)
    ])
    for statement in views.create_statements(VIEWS_VERSION, op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in views.drop_statements(VIEWS_VERSION, op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table("report_zone_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_zone_periods_starts_at"))

    op.drop_table("report_zone_periods")
    with op.batch_alter_table("digest_sends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_sends_week"))

    op.drop_table("digest_sends")
