"""`monitor reprocess` over a stored database: idempotent, and it reports and rewrites the
decisions that a vocabulary change alters."""

from __future__ import annotations

import json
import sqlite3

from tests.conftest import monitor_env, run_monitor


def test_reprocess_is_idempotent_and_repairs_changed_decisions(tmp_path, snapshot_warc) -> None:
    env = monitor_env(tmp_path)
    run_monitor(["crawl", "--outlet", "azattyq", "--replay", str(snapshot_warc)], env)
    first = json.loads(run_monitor(["reprocess", "--json"], env).stdout)
    assert first["total"] >= 20 and first["changed"] == 0  # same code, same decisions

    con = sqlite3.connect(tmp_path / "monitor.sqlite3")
    relevant_id = con.execute("select article_id from classifications where relevant").fetchone()[0]
    con.execute("update classifications set relevant = 0, topics = '', lexicon_version = 'old' "
                "where article_id = ?", (relevant_id,))  # as an older lexicon would have decided
    con.execute("update articles set lang = 'uk' where id = ?", (relevant_id,))
    con.commit()
    second = json.loads(run_monitor(["reprocess", "--json"], env).stdout)
    assert second["changed"] == 1 and second["became_relevant"] == [relevant_id]
    assert second["lang_changed"] == 1
    row = con.execute("select a.lang, c.relevant, c.topics, c.lexicon_version from articles a join "
                      "classifications c on c.article_id = a.id where a.id = ?", (relevant_id,)).fetchone()
    assert row[0] == "kk" and row[1] == 1 and row[2] and row[3] != "old"
    third = json.loads(run_monitor(["reprocess", "--json"], env).stdout)
    assert third["changed"] == 0
    out = run_monitor(["reprocess", "--since", "2030-01-01"], env).stdout
    assert out.strip().startswith("0 articles reprocessed")
