"""daily counts rollup: article_day_counts, its triggers, views version 2

Revision ID: 973526951247
Revises: 767ccf658534
Create Date: 2026-11-29

article_day_counts holds articles and relevant articles per local day, outlet, language and
topic; triggers on articles, classifications and article_topics keep it exact (rollup
version 1 of monitor/views.py), and it is filled here from the articles already stored.
The counting views (version 2) read it instead of grouping every article, so weekly
counts cost the same at a million articles as at a thousand (bench/trend_benchmark.py).
ix_articles_lang goes: ix_articles_lang_published (lang, published_at) serves the same
lookups, and every stored article paid for both.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor import views

revision: str = "973526951247"
down_revision: str | None = "767ccf658534"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_VIEWS, NEW_VIEWS = 1, 2


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "article_day_counts",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("relevant", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlets.id"],
                                name=op.f("fk_article_day_counts_outlet_id_outlets")),
        sa.PrimaryKeyConstraint("day", "outlet_id", "lang", "topic",
                                name=op.f("pk_article_day_counts")),
    )
    op.drop_index("ix_articles_lang", table_name="articles")
    for statement in views.rollup_fill_statements(dialect):
        op.execute(statement)
    for statement in views.rollup_trigger_statements(dialect):
        op.execute(statement)
    for statement in views.view_drop_statements(OLD_VIEWS, dialect):
        op.execute(statement)
    for statement in views.view_create_statements(NEW_VIEWS, dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in views.view_drop_statements(NEW_VIEWS, dialect):
        op.execute(statement)
    for statement in views.view_create_statements(OLD_VIEWS, dialect):
        op.execute(statement)
    for statement in views.rollup_trigger_drop_statements(dialect):
        op.execute(statement)
    op.create_index("ix_articles_lang", "articles", ["lang"], unique=False)
    op.drop_table("article_day_counts")
