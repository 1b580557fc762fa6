"""Evaluation: report arithmetic on a tiny set, and the quality floors on the labelled sets
(dev set, long-form set, the unseen holdout3, language-ID set)."""

import json
from pathlib import Path

import pytest

from monitor.classify import classify
from monitor.evaluate import (
    EvalError,
    evaluate_file,
    evaluate_langid_file,
    predicted_label,
    prf,
)

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT / "eval" / "devset.jsonl"
LONGFORM = ROOT / "eval" / "longform.jsonl"
LANGID = ROOT / "eval" / "langid.jsonl"
HOLDOUT3 = ROOT / "eval" / "holdout3.jsonl"

# Pinned a little below the scores measured when the vocabulary last changed
# (docs/classifier.md has the full report). Raise them when the scores improve; a drop means
# a lexicon or rule change made things worse somewhere. The long-form set has few texts per
# language (6 to 20 relevant ones), so one more error there moves F1 by 0.03 to 0.09.
DEVSET_FLOOR = {
    "relevant_f1.all": 0.98,
    "relevant_f1.ru": 0.98,
    "relevant_f1.kk-Cyrl": 0.97,
    "relevant_f1.kk-Latn": 0.96,
    "relevant_f1.en": 0.96,
    "precision.china_protest": 0.98,
    "recall.china_protest": 0.97,
    "precision.china_other": 0.97,
    "precision.protest_other": 0.98,
    "topics.exact_set_accuracy": 0.83,
    "topics.micro_f1": 0.88,
    "langid.titles": 0.99,
    "langid.texts_200plus": 0.995,
}
LONGFORM_FLOOR = {
    "relevant_f1.all": 0.97,
    "relevant_f1.ru": 0.95,
    "relevant_f1.kk-Cyrl": 0.96,
    "relevant_f1.kk-Latn": 0.95,
    "relevant_f1.en": 0.96,
    "precision.china_protest": 0.96,
    "recall.china_protest": 0.96,
    "precision.china_other": 0.95,
    "precision.protest_other": 0.95,
    "recall.other": 0.9,
    "topics.exact_set_accuracy": 0.74,
    "topics.micro_f1": 0.85,
    "langid.titles": 0.99,
    "langid.texts_200plus": 0.99,
}
# The unseen set (eval/README.md: written by someone who never read the classifier; nobody
# tunes on it). Pinned below its first measurement so a change made for the dev set that
# costs generalisation shows here; its errors are not to be studied and fixed one by one.
HOLDOUT3_FLOOR = {
    "relevant_f1.all": 0.90,
    "relevant_f1.ru": 0.88,
    "relevant_f1.kk": 0.90,
    "relevant_f1.en": 0.88,
    "precision.china_other": 0.84,
    "precision.protest_other": 0.88,
    "topics.micro_f1": 0.76,
    "langid.titles": 0.99,
    "langid.texts_200plus": 0.99,
}
LANGID_FLOOR = {
    "langid.overall": 0.985,
    "langid.kind.title": 0.98,
    "langid.kind.text": 0.99,
    "langid.group.kk-Cyrl": 0.99,
    "langid.group.kk-Latn": 0.97,
    "langid.group.kk-Arab": 0.95,
    "langid.group.ru": 0.98,
    "langid.group.en": 0.98,
    "langid.group.ky": 0.97,
    "langid.group.uk": 0.94,
    "langid.group.bg": 0.96,
    "langid.group.mn": 0.96,
    "langid.group.tg": 0.96,
    "langid.group.be": 0.9,
    "langid.group.sr": 0.9,
    "langid.group.tr": 0.93,
    "langid.group.uz": 0.86,
}


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    return path


TINY = [
    {"id": "1", "lang": "ru", "script": "Cyrl", "label": "china_protest", "topics": ["land"],
     "title": "Митинг против продажи земли Китаю",
     "text": "В Атырау прошел митинг против продажи земли китайским компаниям."},
    {"id": "2", "lang": "ru", "script": "Cyrl", "label": "china_other", "topics": [],
     "title": "Китай и Казахстан подписали соглашение о поставках зерна",
     "text": "Пекин и Астана договорились об увеличении поставок зерна в КНР."},
    {"id": "3", "lang": "kk", "script": "Latn", "label": "other", "topics": [],
     "title": "Almatyda qar jaýdy", "text": "Almatyda túni boıy qar jaýdy, jol qozǵalysy qıyndady."},
    {"id": "4", "lang": "en", "script": "Latn", "label": "protest_other", "topics": [],
     "title": "Teachers strike over unpaid wages",
     "text": "Teachers in Turkestan region went on strike and held a rally outside the akimat."},
]


def test_report_on_a_tiny_set(tmp_path: Path) -> None:
    report = evaluate_file(_write(tmp_path / "tiny.jsonl", TINY))
    assert [i.pred for i in report.items] == [i.gold for i in report.items]
    assert report.relevant_f1("ru").f1 == 1.0
    assert {i.group for i in report.items} == {"ru", "kk-Latn", "en"}
    text = report.format()
    for heading in ("Relevant (china_protest) F1 per language", "Topics", "Language ID",
                    "gold \\ predicted", "kk-Latn"):
        assert heading in text
    data = report.as_json()
    assert data["confusion"]["china_protest"]["china_protest"] == 1
    assert data["metrics"]["relevant_f1.all"] == 1.0
    json.dumps(data)


def test_langid_report_on_a_tiny_set(tmp_path: Path) -> None:
    records = [
        {"id": "a", "lang": "kk", "script": "Cyrl", "kind": "title",
         "text": "Қытай компаниясы Ақтөбеде зауыт салады"},
        {"id": "b", "lang": "ru", "script": "Cyrl", "kind": "text",
         "text": "Жители села собрались у акимата и потребовали закрыть завод, который, "
                 "по их словам, загрязняет воздух и воду."},
        {"id": "c", "lang": "uk", "script": "Cyrl", "kind": "title",
         "text": "Китай побудує завод в Україні"},
    ]
    report = evaluate_langid_file(_write(tmp_path / "lid.jsonl", records))
    assert report.overall() == 1.0
    assert report.accuracy_by("group")["kk-Cyrl"] == (1.0, 1)
    assert "kk-Cyrl" in report.format()
    assert report.as_json()["confusion"]["ru"] == {"ru": 1}


def test_predicted_label_mapping() -> None:
    assert predicted_label(classify("Митинг у консульства КНР", "Пикет против Китая.", "ru")) \
        == "china_protest"
    assert predicted_label(classify("", "", "ru")) == "other"


def test_prf_edge_cases() -> None:
    assert prf([]).f1 == 1.0
    assert prf([(True, False)]).recall == 0.0
    s = prf([(True, True), (False, True), (True, False)])
    assert (s.precision, s.recall, s.support) == (0.5, 0.5, 2)


def test_bad_lines_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "1", "lang": "ru"}\n')
    with pytest.raises(EvalError, match="bad.jsonl:1: missing field"):
        evaluate_file(path)
    path.write_text("not json\n")
    with pytest.raises(EvalError, match="bad.jsonl:1: not JSON"):
        evaluate_file(path)


def _drops(metrics: dict[str, float], floor: dict[str, float]) -> list[str]:
    return [
        f"{name} dropped to {metrics.get(name, 0.0):.4f} (pinned floor {value})"
        for name, value in floor.items()
        if metrics.get(name, 0.0) < value
    ]


@pytest.mark.skipif(not DEVSET.exists(), reason="eval/devset.jsonl not present")
def test_devset_quality_floor() -> None:
    drops = _drops(evaluate_file(DEVSET).metrics(), DEVSET_FLOOR)
    assert not drops, "devset metrics below their pinned floor:\n" + "\n".join(drops)


@pytest.mark.skipif(not LONGFORM.exists(), reason="eval/longform.jsonl not present")
def test_longform_quality_floor() -> None:
    """Article-length texts (headline, lead, background, captions, "read also" lines)."""
    drops = _drops(evaluate_file(LONGFORM).metrics(), LONGFORM_FLOOR)
    assert not drops, "longform metrics below their pinned floor:\n" + "\n".join(drops)


@pytest.mark.skipif(not HOLDOUT3.exists(), reason="eval/holdout3.jsonl not present")
def test_unseen_holdout_quality_floor() -> None:
    drops = _drops(evaluate_file(HOLDOUT3).metrics(), HOLDOUT3_FLOOR)
    assert not drops, "holdout3 metrics below their pinned floor:\n" + "\n".join(drops)


@pytest.mark.skipif(not LANGID.exists(), reason="eval/langid.jsonl not present")
def test_langid_quality_floor() -> None:
    metrics = evaluate_langid_file(LANGID).metrics()
    drops = _drops(metrics, LANGID_FLOOR)
    assert not drops, "language-ID metrics below their pinned floor:\n" + "\n".join(drops)
