"""Language stage: article text (+ title, declared-language hints) -> LanguageResult (ISO 639-1).

Kazakh is the language the general detectors know least (langdetect not at all, none of them
in Latin script), so the order is: script by letter counts, then letter and function-word
rules for the languages that rules separate well (Kazakh in every script, Kyrgyz, Tajik,
Ukrainian, ...), then pycld2 / py3langid restricted to what the rules left open. Declared
languages (html ``lang``, ``og:locale``, the outlet's language) only break ties.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import pycld2

__all__ = ["LanguageResult", "detect_language", "normalize_hint", "kazakh_latin_fold"]


@dataclass(frozen=True)
class LanguageResult:
    """The detected language: ISO 639-1 (``und`` if unknown), script and why."""

    lang: str
    script: str  # "Cyrl" | "Latn" | "Arab" | "other"
    confidence: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class _Verdict:
    lang: str
    confidence: float
    evidence: tuple[str, ...]


# Sampling keeps the cost flat for long articles: the opening is the most reliable part
# (boilerplate tends to sit at the end) and one window from the middle guards against an
# English quote or a Russian place list at the start.
_HEAD_CHARS = 900
_MID_CHARS = 400
_MODEL_CHARS = 160  # py3langid walks bytes in Python: keep its input short
_MIN_LETTERS = 4

_SIMPLE_WORD = re.compile(r"\w+")
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼʻ‘`][^\W\d_]+)*")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


# --- hints -------------------------------------------------------------------------------

_HINT_ALIASES = {
    "kz": "kk", "kaz": "kk", "qaz": "kk", "kazakh": "kk", "қаз": "kk", "каз": "kk",
    "rus": "ru", "russian": "ru", "рус": "ru", "eng": "en", "english": "en",
    "kir": "ky", "kgz": "ky", "ukr": "uk", "ua": "uk", "bul": "bg", "mon": "mn",
    "tgk": "tg", "bel": "be", "srp": "sr", "uzb": "uz", "tur": "tr", "chi": "zh", "zho": "zh",
}


def normalize_hint(hint: str) -> str:
    """``'ru-RU'`` -> ``'ru'``, ``'kk_KZ'`` / ``'kz'`` -> ``'kk'``; ``''`` if unusable."""
    if not isinstance(hint, str):
        return ""
    head = re.split(r"[-_.@ ]", hint.strip().lower(), maxsplit=1)[0]
    head = _HINT_ALIASES.get(head, head)
    return head if re.fullmatch("[a-z]{2}", head) else ""


# --- Kazakh in Latin script -----------------------------------------------------------------

# Every official Latin alphabet since 2017 (apostrophes, acutes, 2021 diacritics) and the
# informal ASCII spellings fold to one skeleton, so one word list covers them all.
_APOSTROPHES = "'’ʼʻ‘`´"
_FOLD_APOS = re.compile("([aouscgniy])[" + _APOSTROPHES + "]")
_FOLD_TABLE = str.maketrans({
    "á": "a", "ä": "a", "à": "a", "â": "a", "ó": "o", "ö": "o", "ô": "o",
    "ú": "u", "ü": "u", "ū": "u", "ù": "u", "û": "u", "ý": "u", "w": "u",
    "ı": "i", "í": "i", "ì": "i", "î": "i", "ï": "i", "y": "i",
    "ń": "n", "ñ": "n", "ǵ": "g", "ğ": "g", "ş": "s", "ç": "c", "q": "k", "x": "h",
    "é": "e", "ë": "e", "\u0307": None,
})
_FOLD_DIGRAPHS = (("sh", "s"), ("ch", "c"), ("zh", "j"), ("gh", "g"), ("kh", "h"))
_APOS_TO_BASE = {"y": "u"}  # 2017: y' is у; other letters just lose the apostrophe


def kazakh_latin_fold(word: str) -> str:
    """Fold a lower-case Kazakh Latin word (any 2017-2021 or informal spelling) to a skeleton."""
    word = _FOLD_APOS.sub(lambda m: _APOS_TO_BASE.get(m.group(1), m.group(1)), word)
    word = word.translate(_FOLD_TABLE)
    for old, new in _FOLD_DIGRAPHS:
        if old in word:
            word = word.replace(old, new)
    return word


# Cyrillic -> 2018 Latin; folding the result gives the same skeleton as any Latin spelling.
CYRILLIC_TO_LATIN_2018 = {
    "а": "a", "ә": "á", "б": "b", "в": "v", "г": "g", "ғ": "ǵ", "д": "d", "е": "e",
    "ё": "ıo", "ж": "j", "з": "z", "и": "ı", "й": "ı", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "ң": "ń", "о": "o", "ө": "ó", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "ý", "ұ": "u", "ү": "ú", "ф": "f", "х": "h", "һ": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e",
    "ю": "ıý", "я": "ıa",
}


def cyrillic_to_latin(word: str) -> str:
    """Transliterate lower-case Kazakh Cyrillic to the 2018 Latin alphabet."""
    return "".join(CYRILLIC_TO_LATIN_2018.get(ch, ch) for ch in word)


_KK_COMMON_CYR = (
    "және мен бен пен бұл осы сол үшін деп туралы бойынша кейін дейін арқылы болып болды "
    "болады еді қазақстан қазақстанның қазақ жылы жыл тағы емес жоқ бар сондай қала қаласы "
    "халық адам олар оның қазір барлық деді айтты жаңа жерде жер ел елі елдің алайда бірақ "
    "биыл өз өзі тұрғындары тұрғын қатысты мәселе мәлімдеді хабарлады берді жатыр керек "
    "екен екенін бірі екі үш бір мың өтті шықты алды кезде дегенмен сонымен қатар арасында "
    "келді кетті берді деді жаңа жаңа үлкен көп аз жылдың облысы облысында ауданы тұрғындары "
    "қытай қытайдың қытайға қытаймен қытайлық шетелдік азаматтары ретінде жөнінде мұнда"
)
_KK_LATIN_WORDS = frozenset(
    kazakh_latin_fold(cyrillic_to_latin(w)) for w in _KK_COMMON_CYR.split()
) - {"men", "bar", "el", "bir", "is", "uc", "ol"}  # common in English / Turkish / Uzbek too
_KK_LATIN_WEAK = frozenset({"men", "bar", "el"})
_KK_LATIN_CHARS = "ǵńúóáýäūñ"  # letters no neighbouring Latin alphabet uses together

_LATIN_FUNCTION_WORDS = {
    "en": frozenset(
        "the of and to in is for on that with by was were are from as at said it "
        "has have this be an which will not its their new after over amid says meet meets "
        "more than first year years people".split()
    ),
    "tr": frozenset(
        "ve bir bu için ile olarak olan de da çok daha gibi kadar ise ancak sonra "
        "yıl yılında türkiye".split()
    ),
    "uz": frozenset(
        "va bilan uchun bu ham edi yil yili o'z bo'yicha qilish hamda esa bo'lgan "
        "o'zbekiston xitoy yangi shahar shahri viloyat viloyati tuman tumanida qildi "
        "oshdi ko'p katta kerak yo'q orqali davlat xalq".split()
    ),
    "az": frozenset("və bir bu üçün ilə olan da də çox daha kimi il ildə".split()),
}


# --- Cyrillic -------------------------------------------------------------------------------

_KK_STRONG = "әғқұһ"
_KK_SHARED = "ңөү"
_KK_ALL = _KK_STRONG + _KK_SHARED + "і"
_CYR_FUNCTION_WORDS = {
    # Only words the neighbours do not share: "в", "и", "на" are Bulgarian too.
    "ru": frozenset(
        "что это как был была были было его она они уже также более чем который которые "
        "которая года году для после только может будет из-за где когда или если их ещё "
        "всех этом этого этой".split()
    ),
    "kk": frozenset(
        "және мен бен пен бұл осы үшін деп туралы бойынша кейін дейін арқылы болып болды "
        "болады еді жылы тағы емес жоқ бар сондай олар оның қазір алайда бірақ".split()
    ),
    "ky": frozenset(
        "жана менен үчүн бул деп боюнча кийин чейин аркылуу болуп болду болот эле жылы "
        "дагы эмес жок бар ошондой алар анын азыр бирок".split()
    ),
    "bg": frozenset(
        "ще са във със към като които който която това тези този след е бе беше "
        "според също през срещу си се".split()
    ),
    "mn": frozenset("болон нь юм байна байсан энэ тэр гэж гэсэн бол ба оны".split()),
    "tg": frozenset("дар ва бо аз ба шуд мешавад кард буд ки ин он барои карда".split()),
}
_CYRILLIC_MODEL_LANGS = ("ru", "kk", "ky", "uk", "bg", "mn", "be", "sr", "mk", "tg", "tt", "ba")


def _letters(text: str, chars: str) -> int:
    return sum(text.count(ch) for ch in chars)


def _function_word_hits(words: Sequence[str], lang_sets: dict[str, frozenset[str]]) -> dict:
    index = _word_index(tuple(lang_sets.items()))
    hits = dict.fromkeys(lang_sets, 0)
    get = index.get
    for word in words:
        langs = get(word)
        if langs:
            for lang in langs:
                hits[lang] += 1
    return hits


@lru_cache(maxsize=4)
def _word_index(lang_sets: tuple[tuple[str, frozenset[str]], ...]) -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for lang, vocab in lang_sets:
        for word in vocab:
            index[word] = index.get(word, ()) + (lang,)
    return index


def _cyrillic(low: str, n_cyr: int) -> _Verdict:
    """Letter rules first; the statistical models only for what letters leave open."""
    if _letters(low, "ѓќѕ"):
        return _Verdict("mk", 0.95, ("letters ѓ ќ ѕ",))
    if _letters(low, "ђћ") or (_letters(low, "јљњџ") and not _letters(low, "ыэщ")):
        return _model_choice(low, ("sr", "mk"), "letters ђ ћ ј љ њ џ")
    if _letters(low, "ӣӯҷ") * 300 >= n_cyr:
        return _Verdict("tg", 0.95, ("letters ӣ ӯ ҷ",))
    if "ҳ" in low and "ў" not in low:
        return _Verdict("tg", 0.85, ("letter ҳ without ў (Uzbek has both)",))
    if _letters(low, "ҡҙҫ") * 200 >= n_cyr:
        return _Verdict("ba", 0.9, ("letters ҡ ҙ ҫ",))
    if low.count("җ") * 200 >= n_cyr and not _letters(low, "құі"):
        return _Verdict("tt", 0.9, ("letter җ without қ ұ і",))
    if low.count("ў") * 200 >= n_cyr:
        return _with_u_short(low)
    if _letters(low, "їєґ") * 200 >= n_cyr:
        return _Verdict("uk", 0.97, ("letters ї є ґ",))
    if "і" in low and _letters(low, "ыэ") and not _letters(low, _KK_STRONG + _KK_SHARED):
        return _model_choice(low, ("be", "kk", "uk", "ru"), "і with ы э, no Kazakh letters")
    return _turkic_or_slavic(low, n_cyr)


# Short words that Russian uses constantly and Kazakh never (Bulgarian shares them, but a text
# with Kazakh letters is not Bulgarian), and endings Kazakh words do not have.
_RU_SMALL_WORDS = frozenset("в и на не с по к из за от о у а но при для во со".split())
_RU_ENDINGS = (
    "ого", "его", "ому", "ему", "ых", "ый", "ая", "ое", "ые", "ие", "ют", "ят", "ся", "сь",
    "ть", "ил",
)


def _russian_with_kazakh_names(words: list[str], hits: dict) -> bool:
    """A Russian sentence naming Жаңаөзен or «Қыз Жібек» has Kazakh letters in few words."""
    if not words:
        return False
    kk_words = sum(1 for w in words if any(ch in _KK_ALL for ch in w))
    small = sum(1 for w in words if w in _RU_SMALL_WORDS)
    russian_like = sum(1 for w in words if len(w) > 3 and w.endswith(_RU_ENDINGS))
    russian = small + hits["ru"] + russian_like
    if not small and russian_like < 2 and not any(ch in _KK_STRONG for w in words for ch in w):
        return False  # ң ө ү with little Russian around: Kyrgyz or Mongolian
    return russian >= 2 and russian > 2 * hits["kk"] and kk_words * 3 < len(words)


def _with_u_short(low: str) -> _Verdict:
    if "і" in low and not _letters(low, "қғҳ"):
        return _Verdict("be", 0.95, ("letters ў і",))
    if _letters(low, "қғҳ") and "ы" not in low:
        return _Verdict("uz", 0.93, ("letters ў with қ ғ ҳ, no ы",))
    return _model_choice(low, ("be", "uz", "ru"), "letter ў")


def _turkic_or_slavic(low: str, n_cyr: int) -> _Verdict:
    words = _SIMPLE_WORD.findall(low)
    hits = _function_word_hits(words, _CYR_FUNCTION_WORDS)
    strong = _letters(low, _KK_STRONG)
    kk_share = _letters(low, _KK_ALL) / n_cyr
    shared = _letters(low, _KK_SHARED)
    evidence = f"kk letters {kk_share:.1%}, function words {_fmt_hits(hits)}"
    if (strong or shared) and _russian_with_kazakh_names(words, hits):
        return _Verdict("ru", 0.8, (evidence, "Russian words around Kazakh names"))
    if strong and (kk_share >= 0.03 or hits["kk"] > hits["ru"]):
        conf = 0.99 if kk_share >= 0.05 and n_cyr >= 150 else 0.9
        return _Verdict("kk", conf, (evidence,))
    if "і" in low and shared and kk_share >= 0.03 and not hits["ru"] > hits["kk"]:
        return _Verdict("kk", 0.9, ("і with ң ө ү; " + evidence,))
    if shared and not strong and "і" not in low:
        # Kyrgyz has ң; Mongolian has ө ү but no ң.
        if shared * 100 >= n_cyr or hits["ky"] or hits["mn"]:
            return _model_choice(low, ("ky", "mn", "kk"), "ң ө ү without ә ғ қ ұ һ і; " + evidence)
    if "і" in low and not strong and not shared and not _letters(low, "ыэё"):
        return _model_choice(low, ("uk", "be", "bg", "ru"), "і without Kazakh letters")
    if hits["tg"] >= 2 and hits["tg"] > hits["ru"] + hits["bg"]:
        return _Verdict("tg", 0.8, ("Tajik function words; " + evidence,))
    return _russian_or_neighbour(low, n_cyr, words, hits, evidence)


_BG_VOWEL_HARD_SIGN = re.compile(r"ъ[^еёюя\W]|ъ\b")
_BG_ENDINGS = ("ите", "ата", "ото", "ът", "ят", "иха", "аха", "яха", "еха")


_RU_ONLY_SMALL = frozenset("о об у к ко во со что это как был была были".split())
_RU_HARD_SIGN = re.compile("ъ[еёюя]")
_RU_ONLY_ENDINGS = ("ого", "его", "ому", "ему", "ый", "ий", "ая", "яя", "ое", "ые", "ть",
                    "ться", "ся", "сь", "ешь", "ишь")


def _russian_cues(low: str, words: list[str]) -> int:
    """What Bulgarian lacks: о/у/к as words, ъ before е ё ю я, -ого / -ый / -ться endings."""
    small = sum(1 for w in words if w in _RU_ONLY_SMALL)
    endings = sum(1 for w in words if len(w) >= 4 and w.endswith(_RU_ONLY_ENDINGS))
    return small + endings + len(_RU_HARD_SIGN.findall(low))


def _bulgarian_cues(low: str, words: list[str]) -> int:
    """ъ as a vowel (събрание, път) and article / aorist endings (-ите, -ът, -иха)."""
    endings = sum(1 for w in words if len(w) >= 5 and w.endswith(_BG_ENDINGS))
    return len(_BG_VOWEL_HARD_SIGN.findall(low)) + endings


def _russian_or_neighbour(
    low: str, n_cyr: int, words: list[str], hits: dict, evidence: str
) -> _Verdict:
    has_ru_letters = _letters(low, "ыэё")
    if has_ru_letters and hits["ru"] >= hits["bg"] and n_cyr >= 150:
        return _Verdict("ru", 0.98, ("letters ы э ё; " + evidence,))
    bg_cues = 0 if has_ru_letters else _bulgarian_cues(low, words) + hits["bg"]
    if bg_cues * 40 >= len(words) and bg_cues >= 2 and n_cyr >= 150:
        return _Verdict("bg", 0.93, (f"Bulgarian cues {bg_cues}, no ы э ё",))
    candidates = ("ru", "bg", "kk", "ky", "mn", "uk", "sr", "mk", "tg")
    verdict = _model_choice(low, candidates, evidence)
    ru_cues = _russian_cues(low, words)
    if verdict.lang in ("bg", "mk", "sr") and (
        has_ru_letters
        or (verdict.lang == "bg" and ru_cues and ru_cues >= bg_cues)
        or (verdict.confidence < 0.4 and not bg_cues)
    ):
        return _Verdict("ru", 0.7, verdict.evidence + (f"Russian cues {ru_cues}, Bulgarian "
                                                       f"cues {bg_cues}: ru",))
    if not has_ru_letters and bg_cues >= 2 and verdict.lang == "ru" and verdict.confidence < 0.9:
        return _Verdict("bg", 0.7, verdict.evidence + (f"Bulgarian cues {bg_cues}",))
    if verdict.lang == "kk" and not _letters(low, _KK_ALL) and hits["ru"] > hits["kk"]:
        return _Verdict("ru", 0.6, verdict.evidence + ("Russian function words overrule kk",))
    return verdict


def _fmt_hits(hits: dict) -> str:
    return " ".join(f"{lang}={n}" for lang, n in hits.items() if n) or "none"


# --- statistical models ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _py3langid():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _model_choice(low: str, candidates: Sequence[str], why: str) -> _Verdict:
    """py3langid's best among ``candidates`` (renormalised), on a short window."""
    window = low[:_MODEL_CHARS]
    ranked = [(lang, p) for lang, p in _py3langid().rank(window) if lang in candidates]
    total = sum(p for _, p in ranked) or 1.0
    lang, p = ranked[0] if ranked else (candidates[0], 0.0)
    conf = round(min(0.95, p / total), 3)
    return _Verdict(lang, conf, (why, f"py3langid among {'/'.join(candidates)}: {lang} {conf}"))


def _cld2(text: str) -> tuple[str, int, bool]:
    """pycld2's top language, its percent and reliability; ('', 0, False) if it cannot say."""
    try:
        reliable, _, details = pycld2.detect(text, bestEffort=True)
    except pycld2.error:
        return "", 0, False
    code, percent = details[0][1], details[0][2]
    if code in ("un", "xxx"):
        return "", 0, False
    return code.split("-")[0], percent, bool(reliable)


# --- Latin ----------------------------------------------------------------------------------


# Kazakh suffixes as they look after folding (y -> i, q -> k, ...): a Kazakh sentence ends
# most of its words with one of them; English almost none.
_KK_SUFFIXES = tuple(sorted({
    kazakh_latin_fold(cyrillic_to_latin(x)) for x in (
        "ды ді ты ті да де та те нда нде дан ден тан тен нан нен ға ге қа ке ның нің дың "
        "дің тың тің лар лер дар дер тар тер ған ген қан кен ады еді йды йді мыз міз лық "
        "лік дық дік тық тік сы сі мен бен пен ушы уші"
    ).split()
}, key=len, reverse=True))
# Languages py3langid may answer for Latin text that this monitor can meet; keeping out the
# rest stops a short title from being read as Shona or Javanese.
_LATIN_CANDIDATES = (
    "en", "tr", "uz", "az", "tk", "crh", "tt", "de", "fr", "es", "it", "pt", "nl", "pl", "cs",
    "ro", "hu", "sv", "da", "no", "fi", "id", "ms", "vi", "lt", "lv", "et", "sq", "hr", "sk",
    "sl", "tl", "sw", "ca", "eo", "la",
)
_TURKIC_LATIN = frozenset({"tk", "crh", "tt", "uz", "az", "kk", "ky", "ba", "ug", "tr"})
# Kazakh Latin spellings look like these to py3langid, and the monitor rarely meets them.
_UNLIKELY_TURKIC = frozenset({"tk", "crh", "tt", "ba"})


_UZ_APOSTROPHE = re.compile("[og][" + _APOSTROPHES + "]")
_KK_APOSTROPHE = re.compile("[aiuscny][" + _APOSTROPHES + "]")
# ı next to a vowel (aı, eı, ıa: 2018 / 2021 spellings of й, и, я) and y as a vowel between
# consonants (boldy, qyzmet): Kazakh spellings; Turkish and Uzbek keep y a consonant.
_KK_I_VOWEL = re.compile("[aeouäöüūáóúý]ı|ı[aeouäöüūáóúý]")
_KK_Y_VOWEL = re.compile("[bcdfghjklmnpqrstvz]y(?:[bcdfghjklmnpqrstvz]|\\b)")


@lru_cache(maxsize=65536)
def _kk_word_facts(word: str) -> tuple[bool, bool, bool]:
    """A lower-case Latin word's Kazakh evidence: a Kazakh word once folded, a Kazakh ending,
    Kazakh-only letters or spellings (q, zh, a 2017 apostrophe, ı beside a vowel). Words
    repeat across a text and across articles, so each is worked out once."""
    folded = kazakh_latin_fold(word)
    return (
        folded in _KK_LATIN_WORDS,
        len(folded) >= 5 and folded.endswith(_KK_SUFFIXES) and not folded.endswith("stan"),
        any(ch in _KK_LATIN_CHARS or ch == "q" for ch in word) or "zh" in word
        or bool(_KK_APOSTROPHE.search(word) or _KK_I_VOWEL.search(word)),
    )


def _kk_latin_score(
    words: list[str], low: str, n_lat: int, uzbek: bool
) -> tuple[float, float, str]:
    """Kazakh-Latin evidence: a score, the share of words that carry it, and a note."""
    facts = [_kk_word_facts(w) for w in words]
    kk_word = [f[0] for f in facts]
    suffixed = [f[1] for f in facts]
    suffix_share = sum(suffixed) / len(words) if words else 0.0
    kk_chars = _letters(low, _KK_LATIN_CHARS)
    q_share = low.count("q") / n_lat
    score = 2 * sum(kk_word) + 0.5 * sum(w in _KK_LATIN_WEAK for w in words) + min(kk_chars, 6)
    if q_share > 0.012 and sum("q" in w for w in words) >= 2 and not uzbek:
        score += 3  # Kazakh writes қ as q constantly; so does Uzbek, hence the condition
    if len(words) >= 3 and suffix_share >= 0.4:
        score += 2 if suffix_share >= 0.6 else 1
    score += min(sum(1 for w in words if "zh" in w), 2)  # informal ж
    score += 0.5 * min(len(_KK_APOSTROPHE.findall(low)), 6)  # 2017: a' i' n' s' ...
    score += 0.5 * min(len(_KK_I_VOWEL.findall(low)), 6)
    score += 0.25 * min(len(_KK_Y_VOWEL.findall(low)), 8)
    carriers = sum(1 for f in facts if f[0] or f[1] or f[2])
    share = carriers / len(words) if words else 0.0
    evidence = (f"kk-Latin words {sum(kk_word)}, kk letters {kk_chars}, q {q_share:.1%}, "
                f"Kazakh endings {suffix_share:.0%}, Kazakh-looking words {share:.0%}")
    return score, share, evidence


_EN_ENDINGS = ("ers", "ing", "tion", "tions", "ment", "ness", "ship", "ould")


def _rival_hits(words: list[str], low: str) -> dict[str, int]:
    hits = _function_word_hits(words, _LATIN_FUNCTION_WORDS)
    hits["en"] += sum(1 for w in words if len(w) >= 5 and w.endswith(_EN_ENDINGS))
    # Uzbek: oʻ gʻ (Kazakh 2017 has them too, but always with a' i' n' s' ...) and x
    if not _KK_APOSTROPHE.search(low):
        hits["uz"] += len(_UZ_APOSTROPHE.findall(low))
    hits["uz"] += sum(1 for w in words if "x" in w)
    return hits


def _latin(low: str, n_lat: int) -> _Verdict:
    words = _WORD.findall(low)
    hits = _rival_hits(words, low)
    rival = max(hits.values())
    kk_score, kk_share, kk_evidence = _kk_latin_score(words, low, n_lat, hits["uz"] > 0)
    evidence = f"{kk_evidence}, rival cues {_fmt_hits(hits)}"
    short = len(words) <= 12
    if kk_score >= 4 and kk_score > 2 * rival and (not short or kk_share >= 0.5):
        conf = 0.97 if kk_score >= 8 else 0.85
        return _Verdict("kk", conf, (evidence,))
    verdict, runners_up = _latin_models(low, evidence)
    if hits.get(verdict.lang, 0) >= 2 and verdict.confidence < 0.85:
        return _Verdict(verdict.lang, 0.85, verdict.evidence + ("function words agree",))
    if _kazakh_overrules(verdict, kk_score, rival) and (
        not short or kk_share >= 0.5 or verdict.lang in _TURKIC_LATIN
    ):
        return _Verdict("kk", 0.7, verdict.evidence + ("Kazakh Latin cues overrule",))
    if verdict.confidence < 0.5 and verdict.lang != "en" and (
        "en" in runners_up or (hits["en"] and hits["en"] == rival)
    ):
        return _Verdict("en", 0.5, verdict.evidence + ("unsure: English, the usual Latin-script "
                                                       "language here, is a runner-up",))
    return verdict


def _kazakh_overrules(verdict: _Verdict, kk_score: float, rival: int) -> bool:
    """Kazakh in Latin script looks like Crimean Tatar or Turkmen to the models."""
    if kk_score < rival:
        return False
    if verdict.lang in _UNLIKELY_TURKIC:
        return kk_score >= 0.5 or rival == 0
    if verdict.lang in _TURKIC_LATIN:
        return kk_score >= 3 or (kk_score >= 2 and verdict.confidence < 0.9)
    return kk_score >= 2 and verdict.confidence < 0.5


def _latin_models(low: str, evidence: str) -> tuple[_Verdict, tuple[str, ...]]:
    """pycld2 for longer text, else py3langid among _LATIN_CANDIDATES; with runners-up."""
    code, percent, reliable = _cld2(low)
    if reliable and percent >= 70 and len(low) >= 120:
        return _Verdict(code, 0.9, (evidence, f"pycld2 {code} {percent}%")), ()
    ranked = [(lang, p) for lang, p in _py3langid().rank(low[:_MODEL_CHARS])
              if lang in _LATIN_CANDIDATES]
    total = sum(p for _, p in ranked) or 1.0
    lang, p = ranked[0]
    conf = round(min(p / total, 0.95), 3)
    verdict = _Verdict(lang, conf, (evidence, f"py3langid {lang} {conf:.2f}"))
    return verdict, tuple(code for code, _ in ranked[1:3])


# --- Arabic script --------------------------------------------------------------------------

_KK_ARAB = "\u0674\u0675\u0676\u0677\u0678"  # high hamza and the letters that carry it
_UG_ARAB = "\u0626\u06d0\u06c8"  # ئ ې ۈ
_TURKIC_ARAB = "\u06ad\u06c7\u06cb\u06d5"  # ڭ ۇ ۋ ە: Kazakh and Uyghur, not Arabic or Persian


def _arabic(low: str, n_arab: int) -> _Verdict:
    kk = _letters(low, _KK_ARAB)
    ug = _letters(low, _UG_ARAB)
    turkic = _letters(low, _TURKIC_ARAB)
    evidence = f"Kazakh marks {kk}, Uyghur marks {ug}, Turkic letters {turkic}"
    if kk and kk >= ug:
        conf = 0.97 if kk * 60 >= n_arab else 0.8
        return _Verdict("kk", conf, (evidence,))
    if ug > kk:
        return _Verdict("ug", 0.9, (evidence,))
    if turkic * 40 >= n_arab:
        return _Verdict("kk", 0.6, (evidence, "Turkic letters without Uyghur marks"))
    return _model_choice(low, ("ar", "fa", "ur", "ps", "ug", "ku", "sdh"), evidence)


# --- other scripts --------------------------------------------------------------------------


def _other(low: str) -> _Verdict:
    code, percent, reliable = _cld2(low)
    if code:
        return _Verdict(code, 0.9 if reliable else 0.5, (f"pycld2 {code} {percent}%",))
    lang, p = _py3langid().rank(low[:_MODEL_CHARS])[0]
    return _Verdict(lang, round(min(p, 0.9), 3), (f"py3langid {lang} {p:.2f}",))


# --- the stage ------------------------------------------------------------------------------


def _sample(title: str, text: str) -> str:
    body = text if len(text) <= _HEAD_CHARS + _MID_CHARS else (
        text[:_HEAD_CHARS] + " " + text[len(text) // 2 : len(text) // 2 + _MID_CHARS]
    )
    sample = f"{title}\n{body}" if title else body
    sample = unicodedata.normalize("NFC", _CONTROL.sub(" ", sample))
    low = sample.lower()
    return low if len(low) == len(sample) else "".join(ch.lower()[:1] for ch in sample)


# UTF-8 lead bytes per script: counting bytes is several times faster than a regex over
# characters, and the sample is already lower-cased Unicode without surrogates.
_CYR_LEADS = (b"\xd0", b"\xd1", b"\xd2", b"\xd3", b"\xd4")
_LAT_LEADS = (b"\xc3", b"\xc4", b"\xc5", b"\xc6", b"\xc7", b"\xc8", b"\xc9")
_ARAB_LEADS = (b"\xd8", b"\xd9", b"\xda", b"\xdb", b"\xdd")
_OTHER_LEADS = tuple(bytes([b]) for b in (*range(0xCA, 0xD0), 0xD5, 0xD6, 0xD7, 0xE0, 0xE1,
                                           *range(0xE3, 0xEE)))
_NOT_ASCII_LETTER = bytes(b for b in range(256) if not (97 <= b <= 122 or 65 <= b <= 90))


def _count(data: bytes, leads: tuple[bytes, ...]) -> int:
    return sum(data.count(lead) for lead in leads)


def _script(low: str) -> tuple[str, int]:
    """The dominant script of the sample and its number of letters."""
    data = low.encode("utf-8", "replace")
    counts = {
        "Cyrl": _count(data, _CYR_LEADS),
        "Latn": len(data.translate(None, _NOT_ASCII_LETTER)) + _count(data, _LAT_LEADS),
        "Arab": _count(data, _ARAB_LEADS),
    }
    script = max(counts, key=counts.__getitem__)
    other = _count(data, _OTHER_LEADS)
    if other > counts[script]:
        return "other", other
    return script, counts[script]


_PLAUSIBLE = {
    "Cyrl": frozenset({"ru", "kk", "ky", "uk", "bg", "mn", "be", "sr", "mk", "tg", "tt", "ba", "uz"}),
    "Latn": None,
    "Arab": frozenset({"kk", "ug", "ar", "fa", "ur", "ps"}),
    "other": None,
}


def _apply_hints(verdict: _Verdict, script: str, hints: Sequence[str]) -> _Verdict:
    declared = [h for h in (normalize_hint(h) for h in hints) if h]
    if not declared:
        return verdict
    plausible = _PLAUSIBLE[script]
    if verdict.lang in declared:
        conf = round(min(1.0, verdict.confidence + 0.05), 3)
        return _Verdict(verdict.lang, conf, verdict.evidence + (f"hint {verdict.lang} agrees",))
    usable = [h for h in declared if plausible is None or h in plausible]
    if usable and verdict.confidence < 0.7:
        note = f"detector unsure ({verdict.lang} {verdict.confidence}); hint {usable[0]} used"
        return _Verdict(usable[0], 0.6, verdict.evidence + (note,))
    return _Verdict(verdict.lang, verdict.confidence,
                    verdict.evidence + (f"hint {'/'.join(declared)} ignored",))


_DISPATCH = {"Cyrl": _cyrillic, "Latn": _latin, "Arab": _arabic}


def detect_language(text: str, *, title: str = "", hints: Sequence[str] = ()) -> LanguageResult:
    """Detect the language of an article (title and text together); never raises on a str."""
    text = text if isinstance(text, str) else ""
    title = title if isinstance(title, str) else ""
    low = _sample(title, text)
    script, n = _script(low)
    if n < _MIN_LETTERS:
        script = "other" if n == 0 else script
        verdict = _Verdict("und", 0.0, (f"too few letters ({n})",))
    elif script == "other":
        verdict = _other(low)
    else:
        verdict = _DISPATCH[script](low, n)
    if n and n < 12 and verdict.lang != "und":
        verdict = _Verdict(verdict.lang, round(verdict.confidence * 0.6, 3), verdict.evidence
                           + (f"only {n} letters",))
    if isinstance(hints, str):
        hints = (hints,)
    verdict = _apply_hints(verdict, script, tuple(hints) if hints else ())
    return LanguageResult(verdict.lang, script, verdict.confidence,
                          (f"script {script} ({n} letters)",) + verdict.evidence)
