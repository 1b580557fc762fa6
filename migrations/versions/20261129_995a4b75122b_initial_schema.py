"""initial schema

Revision ID: 995a4b75122b
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "995a4b75122b"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "outlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("homepage", sa.String(length=500), nullable=False),
        sa.Column("languages", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlets")),
        sa.UniqueConstraint("key", name=op.f("uq_outlets_key")),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_key", sa.String(length=64), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("articles_new", sa.Integer(), nullable=False),
        sa.Column("articles_seen", sa.Integer(), nullable=False),
        sa.Column("articles_duplicate", sa.Integer(), nullable=False),
        sa.Column("extract_failed", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("newest_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlets.id"], name=op.f("fk_crawl_runs_outlet_id_outlets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crawl_runs_outlet_id"), ["outlet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_crawl_runs_run_key"), ["run_key"], unique=False)

    op.create_table(
        "skipped_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warc_file", sa.String(length=500), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_skipped_pages_outlet_id_outlets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skipped_pages")),
        sa.UniqueConstraint("url", name=op.f("uq_skipped_pages_url")),
    )
    with op.batch_alter_table("skipped_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skipped_pages_outlet_id"), ["outlet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_skipped_pages_reason"), ["reason"], unique=False)

    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("fetched_url", sa.String(length=2048), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("script", sa.String(length=8), nullable=False),
        sa.Column("lang_confidence", sa.Float(), nullable=False),
        sa.Column("edition_lang", sa.String(length=8), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=500), nullable=True),
        sa.Column("section", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_raw", sa.String(length=200), nullable=True),
        sa.Column("published_source", sa.String(length=16), nullable=True),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=40), nullable=False),
        sa.Column("simhash", sa.BigInteger(), nullable=False),
        sa.Column("sim_band0", sa.Integer(), nullable=False),
        sa.Column("sim_band1", sa.Integer(), nullable=False),
        sa.Column("sim_band2", sa.Integer(), nullable=False),
        sa.Column("sim_band3", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_kind", sa.String(length=16), nullable=True),
        sa.Column("warc_file", sa.String(length=500), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
        sa.Column("warc_record_id", sa.String(length=100), nullable=True),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_runs.id"], name=op.f("fk_articles_crawl_run_id_crawl_runs")
        ),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlets.id"], name=op.f("fk_articles_outlet_id_outlets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("url", name=op.f("uq_articles_url")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_content_hash"), ["content_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_lang"), ["lang"], unique=False)
        batch_op.create_index("ix_articles_lang_published", ["lang", "published_at"], unique=False)
        batch_op.create_index("ix_articles_outlet_published", ["outlet_id", "published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_published_at"), ["published_at"], unique=False)
        batch_op.create_index("ix_articles_sim_band0", ["sim_band0"], unique=False)
        batch_op.create_index("ix_articles_sim_band1", ["sim_band1"], unique=False)
        batch_op.create_index("ix_articles_sim_band2", ["sim_band2"], unique=False)
        batch_op.create_index("ix_articles_sim_band3", ["sim_band3"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_story_id"), ["story_id"], unique=False)

    op.create_table(
        "crawl_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_crawl_counters_run_id_crawl_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_counters")),
        sa.UniqueConstraint("run_id", "lang", "name", name=op.f("uq_crawl_counters_run_id")),
    )
    op.create_table(
        "article_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_aliases_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_aliases")),
        sa.UniqueConstraint("url", name=op.f("uq_article_aliases_url")),
    )
    with op.batch_alter_table("article_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_aliases_article_id"), ["article_id"], unique=False)

    op.create_table(
        "article_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_topics_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_topics")),
        sa.UniqueConstraint("article_id", "topic", name=op.f("uq_article_topics_article_id")),
    )
    with op.batch_alter_table("article_topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_topics_topic"), ["topic"], unique=False)

    op.create_table(
        "classifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("china", sa.Boolean(), nullable=False),
        sa.Column("protest", sa.Boolean(), nullable=False),
        sa.Column("relevant", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("topics", sa.String(length=200), nullable=False),
        sa.Column("lexicon_version", sa.String(length=40), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_classifications_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifications")),
        sa.UniqueConstraint("article_id", name=op.f("uq_classifications_article_id")),
    )
    with op.batch_alter_table("classifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classifications_relevant"), ["relevant"], unique=False)

    op.create_table(
        "matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("classification_id", sa.Integer(), nullable=False),
        sa.Column("concept", sa.String(length=64), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["classification_id"],
            ["classifications.id"],
            name=op.f("fk_matches_classification_id_classifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
    )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matches_classification_id"), ["classification_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matches_classification_id"))

    op.drop_table("matches")
    with op.batch_alter_table("classifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classifications_relevant"))

    op.drop_table("classifications")
    with op.batch_alter_table("article_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_topics_topic"))

    op.drop_table("article_topics")
    with op.batch_alter_table("article_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_aliases_article_id"))

    op.drop_table("article_aliases")
    op.drop_table("crawl_counters")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_story_id"))
        batch_op.drop_index("ix_articles_sim_band3")
        batch_op.drop_index("ix_articles_sim_band2")
        batch_op.drop_index("ix_articles_sim_band1")
        batch_op.drop_index("ix_articles_sim_band0")
        batch_op.drop_index(batch_op.f("ix_articles_published_at"))
        batch_op.drop_index("ix_articles_outlet_published")
        batch_op.drop_index("ix_articles_lang_published")
        batch_op.drop_index(batch_op.f("ix_articles_lang"))
        batch_op.drop_index(batch_op.f("ix_articles_content_hash"))

    op.drop_table("articles")
    with op.batch_alter_table("skipped_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skipped_pages_reason"))
        batch_op.drop_index(batch_op.f("ix_skipped_pages_outlet_id"))

    op.drop_table("skipped_pages")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crawl_runs_run_key"))
        batch_op.drop_index(batch_op.f("ix_crawl_runs_outlet_id"))

    op.drop_table("crawl_runs")
    op.drop_table("outlets")
