"""Evaluation: labelled JSON Lines -> EvalReport (classifier and language ID scores, per language).

Two kinds of file:
- a classifier set (``eval/devset.jsonl``): ``id, lang, script, label, title, text, topics``
  with labels ``china_protest``, ``china_other``, ``protest_other``, ``other``;
- a language-ID set (``eval/langid.jsonl``): ``id, lang, script, kind, text`` with ``kind``
  ``title`` or ``text``.
Both reports give ``format()`` (a plain-text table) and ``as_json()``; ``metrics()`` is the flat
name -> value map the quality-floor test pins.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from monitor.classify import Decision, classify
from monitor.language import detect_language

__all__ = [
    "LABELS", "EvalError", "EvalReport", "LangIdReport", "evaluate_file", "evaluate_langid_file",
    "predicted_label",
]

LABELS = ("china_protest", "china_other", "protest_other", "other")
TOPIC_LABELS = ("china_protest", "china_other")  # topics are annotated for these only
LONG_TEXT = 200  # characters: the language-ID target differs below and above this


class EvalError(ValueError):
    """An evaluation file cannot be read; the message names the file and line."""


def predicted_label(decision: Decision) -> str:
    """Map a Decision onto the four evaluation labels."""
    if decision.relevant:
        return "china_protest"
    if decision.china:
        return "china_other"
    if decision.protest:
        return "protest_other"
    return "other"


def read_jsonl(path: str | Path, required: Iterable[str]) -> Iterator[dict]:
    """Yield the records of a JSON Lines file, checking that each has the required fields."""
    path = Path(path)
    needed = tuple(required)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            missing = [k for k in needed if k not in record]
            if missing:
                raise EvalError(f"{path}:{number}: missing field(s) {', '.join(missing)}")
            yield record


def group_of(lang: str, script: str) -> str:
    """``kk`` is split by script (``kk-Latn``); other languages are reported as they are."""
    return f"{lang}-{script}" if lang == "kk" and script else lang


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    support: int

    def as_json(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "support": self.support}


def prf(pairs: Iterable[tuple[bool, bool]]) -> PRF:
    """Precision / recall / F1 from (gold, predicted) booleans; 1.0 when nothing to get wrong."""
    tp = fp = fn = 0
    for gold, pred in pairs:
        tp += gold and pred
        fp += pred and not gold
        fn += gold and not pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(round(precision, 4), round(recall, 4), round(f1, 4), tp + fn)


def _accuracy(pairs: list[tuple[str, str]]) -> float:
    return round(sum(g == p for g, p in pairs) / len(pairs), 4) if pairs else 1.0


# --- classifier evaluation ------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    group: str
    gold: str
    pred: str
    gold_topics: frozenset[str]
    pred_topics: frozenset[str]
    title_lang: tuple[str, str]  # (gold, detected) for the title
    text_lang: tuple[str, str]
    text_chars: int
    score: float


@dataclass
class EvalReport:
    """Scores of the classifier and of language ID on one labelled set."""

    path: str
    items: list[Item] = field(default_factory=list)

    def _groups(self) -> list[str]:
        groups = sorted({i.group for i in self.items})
        if any(g.startswith("kk-") for g in groups):
            groups.append("kk")
        return groups

    def _in(self, group: str) -> list[Item]:
        if group == "all":
            return self.items
        return [i for i in self.items if i.group == group or i.group.split("-")[0] == group]

    def label_scores(self, group: str = "all") -> dict[str, PRF]:
        items = self._in(group)
        return {lab: prf((i.gold == lab, i.pred == lab) for i in items) for lab in LABELS}

    def relevant_f1(self, group: str = "all") -> PRF:
        return prf((i.gold == "china_protest", i.pred == "china_protest") for i in self._in(group))

    def topic_scores(self) -> dict[str, float]:
        items = [i for i in self.items if i.gold in TOPIC_LABELS]
        exact = sum(i.gold_topics == i.pred_topics for i in items) / len(items) if items else 1.0
        pairs = [(t in i.gold_topics, t in i.pred_topics) for i in items
                 for t in i.gold_topics | i.pred_topics]
        micro = prf(pairs)
        return {"exact_set_accuracy": round(exact, 4), "micro_precision": micro.precision,
                "micro_recall": micro.recall, "micro_f1": micro.f1, "items": len(items)}

    def langid_scores(self) -> dict[str, float]:
        titles = [i.title_lang for i in self.items if i.title_lang[0]]
        long_texts = [i.text_lang for i in self.items if i.text_chars >= LONG_TEXT]
        short_texts = [i.text_lang for i in self.items if 0 < i.text_chars < LONG_TEXT]
        return {"titles": _accuracy(titles), "texts_200plus": _accuracy(long_texts),
                "texts_short": _accuracy(short_texts), "n_titles": len(titles),
                "n_texts_200plus": len(long_texts), "n_texts_short": len(short_texts)}

    def confusion(self) -> dict[str, dict[str, int]]:
        table = {g: dict.fromkeys(LABELS, 0) for g in LABELS}
        for i in self.items:
            table.setdefault(i.gold, dict.fromkeys(LABELS, 0))[i.pred] += 1
        return table

    def errors(self) -> list[Item]:
        return [i for i in self.items if i.gold != i.pred]

    def metrics(self) -> dict[str, float]:
        """Flat name -> value map of the headline numbers (what the floor test pins)."""
        out: dict[str, float] = {}
        for group in ["all", *self._groups()]:
            out[f"relevant_f1.{group}"] = self.relevant_f1(group).f1
        for label, s in self.label_scores().items():
            out[f"precision.{label}"] = s.precision
            out[f"recall.{label}"] = s.recall
            out[f"f1.{label}"] = s.f1
        out["topics.exact_set_accuracy"] = self.topic_scores()["exact_set_accuracy"]
        out["topics.micro_f1"] = self.topic_scores()["micro_f1"]
        lid = self.langid_scores()
        out["langid.titles"] = lid["titles"]
        out["langid.texts_200plus"] = lid["texts_200plus"]
        return out

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "n": len(self.items),
            "metrics": self.metrics(),
            "labels": {g: {lab: s.as_json() for lab, s in self.label_scores(g).items()}
                       for g in ["all", *self._groups()]},
            "relevant": {g: self.relevant_f1(g).as_json() for g in ["all", *self._groups()]},
            "topics": self.topic_scores(),
            "language_id": self.langid_scores(),
            "confusion": self.confusion(),
            "errors": [{"id": i.id, "group": i.group, "gold": i.gold, "pred": i.pred,
                        "score": i.score} for i in self.errors()],
        }

    def format(self) -> str:
        lines = [f"Evaluation of {self.path}: {len(self.items)} texts", ""]
        lines += _prf_table("Labels (all languages)", self.label_scores())
        for group in self._groups():
            lines += _prf_table(f"Labels, {group} ({len(self._in(group))} texts)",
                                self.label_scores(group))
        lines.append("Relevant (china_protest) F1 per language")
        for group in ["all", *self._groups()]:
            s = self.relevant_f1(group)
            lines.append(f"  {group:<10} P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}"
                         f"  (n={s.support})")
        t = self.topic_scores()
        lines += ["", f"Topics ({t['items']} china_* texts): exact set {t['exact_set_accuracy']:.3f},"
                  f" micro P {t['micro_precision']:.3f} R {t['micro_recall']:.3f}"
                  f" F1 {t['micro_f1']:.3f}"]
        lid = self.langid_scores()
        lines += ["", f"Language ID: titles {lid['titles']:.3f} (n={lid['n_titles']}),"
                  f" texts >= {LONG_TEXT} chars {lid['texts_200plus']:.3f}"
                  f" (n={lid['n_texts_200plus']}), shorter texts {lid['texts_short']:.3f}"
                  f" (n={lid['n_texts_short']})", ""]
        lines += _confusion_table(self.confusion(), "gold \\ predicted")
        return "\n".join(lines)


def _prf_table(heading: str, scores: dict[str, PRF]) -> list[str]:
    lines = [heading, f"  {'label':<15}{'P':>7}{'R':>7}{'F1':>7}{'n':>6}"]
    for label, s in scores.items():
        lines.append(f"  {label:<15}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}{s.support:>6}")
    return lines + [""]


def _confusion_table(table: dict[str, dict[str, int]], corner: str) -> list[str]:
    columns = sorted({c for row in table.values() for c in row}, key=_label_order)
    width = max([len(corner), *map(len, table)]) + 2
    lines = [f"{corner:<{width}}" + "".join(f"{c:>15}" for c in columns)]
    for gold in sorted(table, key=_label_order):
        lines.append(f"{gold:<{width}}" + "".join(f"{table[gold].get(c, 0):>15}"
                                                   for c in columns))
    return lines


def _label_order(label: str) -> tuple[int, str]:
    return (LABELS.index(label), "") if label in LABELS else (len(LABELS), label)


def _evaluate_record(record: dict) -> Item:
    title, text = record.get("title") or "", record.get("text") or ""
    lang, script = record["lang"], record.get("script") or ""
    decision = classify(title, text, lang)
    detected_title = detect_language("", title=title).lang if title else ""
    detected_text = detect_language(text).lang if text else ""
    return Item(
        id=str(record["id"]), group=group_of(lang, script), gold=record["label"],
        pred=predicted_label(decision), gold_topics=frozenset(record.get("topics") or ()),
        pred_topics=frozenset(decision.topics), title_lang=(lang if title else "", detected_title),
        text_lang=(lang, detected_text), text_chars=len(text), score=decision.score,
    )


def evaluate_file(path: str | Path) -> EvalReport:
    """Classify every labelled text of a JSON Lines file and score the decisions."""
    fields = ("id", "lang", "label", "title", "text")
    report = EvalReport(str(path))
    for record in read_jsonl(path, fields):
        if record["label"] not in LABELS:
            raise EvalError(f"{path}: id {record['id']}: unknown label {record['label']!r}")
        report.items.append(_evaluate_record(record))
    return report


# --- language-ID evaluation -----------------------------------------------------------------


@dataclass(frozen=True)
class LangIdItem:
    id: str
    lang: str
    script: str
    kind: str
    pred_lang: str
    pred_script: str
    chars: int


@dataclass
class LangIdReport:
    """Accuracy of detect_language on a language-ID set, per language, script and kind."""

    path: str
    items: list[LangIdItem] = field(default_factory=list)

    def accuracy_by(self, key: str) -> dict[str, tuple[float, int]]:
        groups: dict[str, list[LangIdItem]] = defaultdict(list)
        for item in self.items:
            groups[_key(item, key)].append(item)
        return {k: (_accuracy([(i.lang, i.pred_lang) for i in v]), len(v))
                for k, v in sorted(groups.items())}

    def overall(self) -> float:
        return _accuracy([(i.lang, i.pred_lang) for i in self.items])

    def confusion(self) -> dict[str, dict[str, int]]:
        table: dict[str, Counter] = defaultdict(Counter)
        for item in self.items:
            table[group_of(item.lang, item.script)][item.pred_lang] += 1
        return {gold: dict(row) for gold, row in sorted(table.items())}

    def metrics(self) -> dict[str, float]:
        out = {"langid.overall": self.overall()}
        for key in ("group", "kind", "length"):
            for name, (acc, _) in self.accuracy_by(key).items():
                out[f"langid.{key}.{name}"] = acc
        return out

    def as_json(self) -> dict:
        return {
            "path": self.path, "n": len(self.items), "metrics": self.metrics(),
            "by_group": {k: {"accuracy": a, "n": n} for k, (a, n) in self.accuracy_by("group").items()},
            "by_kind": {k: {"accuracy": a, "n": n} for k, (a, n) in self.accuracy_by("kind").items()},
            "by_length": {k: {"accuracy": a, "n": n}
                          for k, (a, n) in self.accuracy_by("length").items()},
            "confusion": self.confusion(),
            "errors": [{"id": i.id, "lang": i.lang, "script": i.script, "kind": i.kind,
                        "predicted": i.pred_lang, "predicted_script": i.pred_script}
                       for i in self.items if i.lang != i.pred_lang],
        }

    def format(self) -> str:
        lines = [f"Language ID on {self.path}: {len(self.items)} samples,"
                 f" accuracy {self.overall():.3f}", ""]
        for key, heading in (("group", "language (kk by script)"), ("kind", "kind"),
                             ("length", "length")):
            lines.append(f"Accuracy per {heading}")
            for name, (acc, n) in self.accuracy_by(key).items():
                lines.append(f"  {name:<20}{acc:>7.3f}  (n={n})")
            lines.append("")
        table = self.confusion()
        columns = sorted({c for row in table.values() for c in row})
        corner = "gold \\ predicted"
        width = max(len(corner), *map(len, table)) + 2
        lines.append(f"{corner:<{width}}" + "".join(f"{c:>6}" for c in columns))
        for gold, row in table.items():
            lines.append(f"{gold:<{width}}" + "".join(f"{row.get(c, 0):>6}" for c in columns))
        return "\n".join(lines)


def _key(item: LangIdItem, key: str) -> str:
    if key == "group":
        return group_of(item.lang, item.script)
    if key == "kind":
        return item.kind
    size = "200+" if item.chars >= LONG_TEXT else "<200"
    return f"{item.kind} {size}"


def evaluate_langid_file(path: str | Path) -> LangIdReport:
    """Run detect_language over a language-ID set; titles are passed as titles."""
    report = LangIdReport(str(path))
    for record in read_jsonl(path, ("id", "lang", "kind", "text")):
        text = record["text"] or ""
        if record["kind"] == "title":
            result = detect_language("", title=text)
        else:
            result = detect_language(text)
        report.items.append(LangIdItem(
            str(record["id"]), record["lang"], record.get("script") or "", record["kind"],
            result.lang, result.script, len(text),
        ))
    return report
