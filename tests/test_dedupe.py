import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from trafilatura.deduplication import Simhash

from monitor.dedupe import (
    distance,
    fingerprint,
    is_near_duplicate,
    normalize,
    overlap,
    shingles,
    simhash,
    to_signed,
    to_unsigned,
)

BASE = ("Родственники задержанных в Синьцзяне этнических казахов снова пришли к консульству "
        "Китая в Алматы. Они держали плакаты с фотографиями близких и требовали ответа от "
        "властей. По словам участников пикета, от многих задержанных нет вестей уже третий год. "
        "Полиция попросила собравшихся разойтись, двоих пикетчиков доставили в отделение. ") * 2


def test_exact_hash_ignores_case_punctuation_and_spacing() -> None:
    a = fingerprint("T", BASE)
    b = fingerprint("T", BASE.upper().replace(".", " .  "))
    assert a.content_hash == b.content_hash
    assert normalize("Қытай, КНР!") == "қытай кнр"


def test_light_edit_is_a_near_duplicate_and_other_news_is_not() -> None:
    edited = BASE.replace("снова пришли", "в очередной раз пришли") + " Об этом сообщил наш корреспондент."
    other = ("Национальный банк сохранил базовую ставку на прежнем уровне. Инфляция замедлилась, "
             "а курс тенге укрепился на фоне цен на нефть. Следующее решение ожидается в январе. ") * 3
    a, b, c = fingerprint("", BASE), fingerprint("", edited), fingerprint("", other)
    assert is_near_duplicate(a.simhash, BASE, b.simhash, edited)
    assert not is_near_duplicate(a.simhash, BASE, c.simhash, other)
    assert overlap(BASE, edited) > 0.7 and overlap(BASE, other) < 0.1


def test_signed_storage_round_trip() -> None:
    for value in (0, 1, (1 << 63), (1 << 64) - 1):
        assert to_unsigned(to_signed(value)) == value
        assert -(1 << 63) <= to_signed(value) < (1 << 63)
    assert distance(to_signed((1 << 64) - 1), 0) == 64


# ------------------------------------------------------------------ the fast Simhash
# monitor.dedupe.simhash replaces trafilatura's Simhash class for speed: stored fingerprints
# and the bands the database searches must stay exactly what trafilatura computes.

DEVSET = Path(__file__).resolve().parent.parent / "eval" / "devset.jsonl"


def _devset_texts() -> list[str]:
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line]
    return [normalize(r.get("title", "")) + " " + normalize(r["text"]) for r in rows]


def test_simhash_equals_trafilaturas_on_the_labelled_articles() -> None:
    texts = _devset_texts()
    assert len(texts) > 100
    for text in [*texts, BASE, BASE.upper(), "!!! ... —", ""]:
        assert simhash(text) == Simhash(text).hash, text[:80]
    assert simhash("!!! ... —") == (1 << 64) - 1  # no token: every bit's sum is 0, so set


_WORDS = st.sampled_from(["Қытай", "КНР", "митинг", "China", "protest", "a", "бб", "2024",
                          "3.5", "—", "x-y", "«цитата»", "抗议", "Алматы,", "ӘҒҚ", "e.g."])


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=120), st.text(max_size=40))
def test_simhash_equals_trafilaturas_on_any_text(words: list[str], noise: str) -> None:
    for text in (" ".join(words), " ".join(words) + noise, noise):
        assert simhash(text) == Simhash(text).hash


def _old_shingles(text: str, n: int = 4) -> set[int]:
    """The shingles as they were: hashes of word tuples, one per position."""
    words = normalize(text).split()
    return {hash(tuple(words[i : i + n])) for i in range(max(len(words) - n + 1, 1))}


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=40), st.lists(_WORDS, max_size=40))
def test_shingles_count_and_overlap_as_before(a: list[str], b: list[str]) -> None:
    ta, tb = " ".join(a), " ".join(a[: len(a) // 2] + b)
    assert len(shingles(ta)) == len(_old_shingles(ta))
    assert len(shingles(ta) & shingles(tb)) == len(_old_shingles(ta) & _old_shingles(tb))


_OLD_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_normalize_keeps_its_definition(text: str) -> None:
    """normalize finds words instead of replacing non-words (faster): the same string."""
    assert normalize(text) == " ".join(_OLD_NON_WORD.sub(" ", text.casefold()).split())
