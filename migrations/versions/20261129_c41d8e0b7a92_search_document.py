"""full-text search version 2: a stored search_document column on PostgreSQL

Revision ID: c41d8e0b7a92
Revises: 8a1507d52c46
Create Date: 2026-11-29

PostgreSQL: articles.search_document, a stored generated tsvector of the title (weight A)
and text (weight B), with a GIN index, in place of the expression index of version 1
(monitor/views.py, SEARCH_V2, explains why). SQLite: nothing changes.
"""

from collections.abc import Sequence

from alembic import op

from monitor import views

revision: str = "c41d8e0b7a92"
down_revision: str | None = "8a1507d52c46"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in views.SEARCH_V2[op.get_bind().dialect.name]["upgrade"]:
        op.execute(statement)


def downgrade() -> None:
    for statement in views.SEARCH_V2[op.get_bind().dialect.name]["downgrade"]:
        op.execute(statement)
