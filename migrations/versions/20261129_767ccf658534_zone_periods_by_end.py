"""report zone periods searched by their end

Revision ID: 767ccf658534
Revises: c41d8e0b7a92
Create Date: 2026-11-29

The views join every article to the report zone period it falls in (starts_at <= t <
ends_at). With only the starts_at index, each article scanned every earlier period; an
index on (ends_at, starts_at) finds the one period directly (bench/trend_benchmark.py).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "767ccf658534"
down_revision: str | None = "c41d8e0b7a92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_report_zone_periods_ends_at", "report_zone_periods", ["ends_at", "starts_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_report_zone_periods_ends_at", table_name="report_zone_periods")
