"""Classify stage: (title, text, lang) -> Decision (china? protest? relevant? topics) with evidence.

Vocabularies are data (``monitor/lexicons/*.tsv``, format in docs/classifier.md). Each entry is
turned into one anchored regular expression; an Aho-Corasick automaton over the entries'
literal prefixes finds the few places worth trying, so the cost grows with the text, not
with the vocabulary. Kazakh entries are written once in Cyrillic; their Latin-script forms
(2017 apostrophes, 2018 acutes, 2021 diacritics, informal ASCII) are generated. Role markers
(residents, workers, places, route words ...) then adjust how the terms of a sentence read.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import ahocorasick

__all__ = ["Decision", "Match", "TOPICS", "classify", "lexicon_version"]

LEXICON_DIR = Path(__file__).with_name("lexicons")
TOPICS = (
    "land", "industrial_projects", "xinjiang", "labour", "pollution", "loans_debt", "sinophobia",
)
_NEGATIVE_PREFIX = "neg_"
_STOP = "stop"  # a false friend: suppresses every other match it overlaps
_NUMBER = "<n>"  # pattern word for any number ("#" would start a comment in the TSV files)
_ANY_WORD = "<w>"  # pattern word for any one word ("перекрыли <w> дорогу": грунтовую, главную)
_FURNITURE = "furniture"  # "read also", photo credits, subscribe lines: their paragraph is dropped
# Roles: marker concepts that say how to read the terms around them (docs/classifier.md,
# "Roles"). They are not evidence: no Match is made for them.
PUBLIC, WORKER, PARTICIPANT = "public", "worker", "participant"  # residents; workers; activists
# kinds of protest term (see _read_roles)
APPEAL, FIGHT, DEPENDENT, AGAINST = "appeal", "fight", "dependent", "against"
PLACE, NATURE, VIA, VIA_AFTER = "place", "nature", "via", "via_after"  # geography (see _read_roles)
LEGAL = "legal"  # on stops: a prosecutor's protest, an objection to a decision (see _read_roles)
ROLES = frozenset({PUBLIC, WORKER, PARTICIPANT, APPEAL, FIGHT, DEPENDENT, AGAINST, PLACE, NATURE,
                   VIA, VIA_AFTER, LEGAL})
_SECONDARY = frozenset({DEPENDENT, FIGHT, AGAINST})  # protest terms that license nothing, no event
# Other concepts besides the topics: see docs/classifier.md ("Lexicons").
_CONCEPTS = frozenset({"china", "protest", "foreign", "owner", "ownership", "other_nation", "goods",
                       "reform", "camps", _STOP, _FURNITURE}) | ROLES
# Hard negatives that are themselves protest events (not China-related): they count as protest.
EVENT_NEGATIVES = frozenset({"neg_zhanaozen2011", "neg_jan2022", "neg_karakalpak"})
EVENT_AS_PROTEST = 0.5

# --- scoring constants (docs/classifier.md explains them) -----------------------------------
WHERE_WEIGHT = {"title": 3.0, "lead": 2.0, "body": 1.0}
TAIL_WEIGHT = 0.6  # body matches in the last 40% of a long text
TAIL_FROM_CHARS = 2000
REPEAT_CAP = 3  # a term counts at most this many times per concept
CHINA_MIN = 2.5
CHINA_MIN_LINKED = 2.0  # China strength enough when ...
COOC_STRONG = 3.0  # ... China and protest meet this strongly (one lead sentence)
CHINA_PASSING = 3.0  # below this, China in an article about another protest is a passing mention
# China-related (without a protest) needs China in the title or lead, or in this many sentences
CHINA_SENTENCES = 3
PROTEST_MIN = 2.0
TOPIC_MIN = 2.5  # topic strength an article needs for the topic ...
TOPIC_SHARE = 0.25  # ... and at least this share of its strongest topic
TOPIC_IN_PROTEST = 2.0  # topic terms in a protest sentence name what is contested: weight x2
TOPIC_FALLBACK = 1.0  # a relevant article's strongest topic below this is no topic of its own
RELEVANT_MIN = 1.5
NEAR_CHARS = 160  # co-occurrence window across a sentence boundary ...
NEIGHBOUR_RATE = 0.5  # ... where the China term counts at this rate
TITLE_UNIT = 0.5
PROTEST_UNIT = 0.6  # a sentence whose protest terms weigh this much (unweighted) is about a protest
# Protest sentences an article needs to be about a protest (title and lead sentences count
# double): one sentence per SUBJECT_SPAN sentences of text, at least 1 and at most SUBJECT_UNITS.
SUBJECT_UNITS = 2.0
SUBJECT_SPAN = 10
FURNITURE_CHARS = 300  # a furniture marker masks its paragraph when the paragraph is this short
# Concepts that stand in for China in this article, and at what rate, once their theme is set:
# land-reform terms and "foreigners" in the 2016 / 2021 land debate; Xinjiang terms; and the
# company, plant or investor of the article once a sentence has tied it to China.
AS_CHINA = {"reform": 0.5, "xinjiang": 0.75, "owner": 0.5}
REFORM_THEME = 1.5  # land-reform strength that sets the theme
CAMPS_THEME = 1.0  # strength of Xinjiang-specific terms (the region, camps) that sets the theme
XINJIANG_THEME = 2.0  # ... together with this much of the Xinjiang topic (relatives, consulate)
OWNER_NEAR = 80  # characters between a China term and an ownership word ("принадлежит")
OWNER_ADJACENT = 30  # characters between a China term and a company noun ("китайская компания")
GOODS_NEAR = 40  # China this near a trade word ("экспортируется в Китай") is a market, not an owner
OWNER_AS_CHINA_MAX = 2.0  # the most the company terms add to China strength
TITLE_LINK = 1.0  # co-occurrence granted when the headline names China and the text is a protest
OWNED_LINK = 1.0  # co-occurrence granted to a protest against a company tied to China
OWNED_CHINA = 1.0  # China strength of the tie itself ("founded by a businessman from Kashgar")
EVENTS_STRONG = 3.0  # a known non-China protest event this strong: the company link is not enough
# Context negatives: in a sports report China is an opponent and a "протест" is an appeal to
# the referee; in a weather report China is where the cyclone comes from; in a market wrap the
# yuan rallies; a Victory Day or Nauryz "шествие" is no protest. They damp the concepts named.
CONTEXT = {
    "neg_sport": ("china", "protest"),
    "neg_weather": ("china", "protest"),
    "neg_market": ("china", "protest"),
    "neg_ceremony": ("protest",),
    "neg_health": ("protest",),
    "neg_parliament": ("protest",),  # deputies who "objected" to a bill in a debate
    "neg_disaster": ("china",),  # an earthquake or a flood in China is no China news
}
CONTEXT_MIN = 2.5  # context strength from which damping starts
CONTEXT_FULL = 6.0  # context strength at which the damped concepts keep CONTEXT_FLOOR of themselves
CONTEXT_FLOOR = 0.1
# Roles (see _read_roles)
APPEAL_PUBLIC = 1.0  # a complaint, appeal, letter or hearing of residents or workers
FIGHT_AT_WORK = 1.0  # a fight among workers or with guards: labour contestation
LICENCE_MIN = 0.6  # a protest term this heavy makes detentions and "against" nearby count
EVENT_MIN = 1.5  # protest weight of a sentence that names residents or workers: an event ...
EVENT_WEIGHT = 2.0  # ... weighed as in the lead, and counted as two protest sentences
VIA_GAP = 3  # characters between a route word and a place ("via Urumqi")


@dataclass(frozen=True)
class Match:
    """One matched term: the concept it stands for, where it was found and its weight."""

    concept: str
    term: str
    where: str  # "title" | "lead" | "body"
    position: int  # character offset in the title (where == "title") or in the text
    weight: float


@dataclass(frozen=True)
class Decision:
    """The classifier's three decisions for one article and the evidence behind them."""

    china: bool
    protest: bool
    relevant: bool
    score: float
    topics: tuple[str, ...]
    matches: tuple[Match, ...]
    lexicon_version: str

    def as_json(self) -> dict:
        return {
            "china": self.china,
            "protest": self.protest,
            "relevant": self.relevant,
            "score": self.score,
            "topics": list(self.topics),
            "matches": [
                {"concept": m.concept, "term": m.term, "where": m.where,
                 "position": m.position, "weight": m.weight}
                for m in self.matches
            ],
            "lexicon_version": self.lexicon_version,
        }


# --- lexicon loading ------------------------------------------------------------------------


class LexiconError(ValueError):
    """A lexicon file has a line the loader cannot read; the message names file and line."""


@dataclass(frozen=True)
class _Step:
    """One word of an entry: its regular expression and whether the language's endings follow
    (a ``~`` word); ``slow`` is the word with its endings in one expression, for the rare Latin
    spelling where the shortest reading of the stem is the one that takes an ending."""

    rx: re.Pattern[str]
    inflected: bool
    slow: str


@dataclass(frozen=True)
class _Entry:
    concepts: tuple[str, ...]
    pattern: str
    weight: float
    steps: tuple[_Step, ...]
    stop: bool = False  # a false friend (concept "stop")
    furniture: bool = False  # a page-furniture marker
    concept_set: frozenset[str] = frozenset()
    weighted: dict[str, float] = field(default_factory=dict)  # weight in title/lead/body/tail
    roles: frozenset[str] = frozenset()  # the entry's role markers
    emit: tuple[str, ...] = ()  # the concepts a match of the entry is evidence for (not roles)
    emit_set: frozenset[str] = frozenset()
    protest: bool = False
    core: bool = False  # a protest term that stands on its own (not "against", a detention, a fight)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stop", _STOP in self.concepts)
        object.__setattr__(self, "furniture", _FURNITURE in self.concepts)
        object.__setattr__(self, "concept_set", frozenset(self.concepts))
        object.__setattr__(self, "roles", frozenset(self.concepts) & ROLES)
        object.__setattr__(self, "emit", tuple(c for c in self.concepts
                                               if c not in ROLES and c not in (_STOP, _FURNITURE)))
        object.__setattr__(self, "emit_set", frozenset(self.emit))
        object.__setattr__(self, "protest", "protest" in self.concepts)
        object.__setattr__(self, "core", self.protest and not self.roles & _SECONDARY)
        factors = {**WHERE_WEIGHT, "tail": TAIL_WEIGHT}
        object.__setattr__(self, "weighted", {where: round(self.weight * factor, 3)
                                              for where, factor in factors.items()})


@lru_cache(maxsize=256)
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


@dataclass(frozen=True)
class _Bucket:
    """The entries behind one automaton key that start with the same word: that word is
    matched once; one-word entries end there, phrases go on only if the next word starts with
    the right letters."""

    step: _Step
    singles: tuple[int, ...]
    phrases: dict[str, tuple[int, ...]]  # first two letters of the second word -> entries
    any_next: tuple[int, ...]  # phrases whose second word has no fixed first two letters


@dataclass
class _Matcher:
    """All entries of one lexicon group (one language and script) behind one automaton."""

    name: str
    fold: bool  # Kazakh Latin: search the folded text
    separator: re.Pattern[str]
    ending: re.Pattern[str]  # the language's endings (shared by every "~" word), then a word end
    automaton: ahocorasick.Automaton = field(default_factory=ahocorasick.Automaton)
    entries: list[_Entry] = field(default_factory=list)
    by_key: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, entry: _Entry, keys: Iterable[str]) -> None:
        self.entries.append(entry)
        for key in keys:
            self.by_key[key].append(len(self.entries) - 1)

    def _next_letters(self, entry: _Entry) -> set[str]:
        token = entry.pattern.split()[1]
        stem = token[:-1] if token[-1] in "*~" and len(token) > 1 else token
        if len(stem) < 2 or token in (_NUMBER, _ANY_WORD):
            return set()
        if self.fold:
            return {k[:2] for k in _kk_latin_keys(stem, 2) if len(k) >= 2}
        return {stem[:2]}

    def build(self) -> None:
        for key, ids in self.by_key.items():
            groups: dict[int, list[int]] = defaultdict(list)
            steps: dict[int, _Step] = {}
            for i in ids:
                step = self.entries[i].steps[0]
                groups[id(step)].append(i)
                steps[id(step)] = step
            buckets = []
            for sid, members in groups.items():
                singles = tuple(i for i in members if len(self.entries[i].steps) == 1)
                phrases: dict[str, list[int]] = defaultdict(list)
                any_next = []
                for i in members:
                    if len(self.entries[i].steps) == 1:
                        continue
                    letters = self._next_letters(self.entries[i])
                    for pair in letters:
                        phrases[pair].append(i)
                    if not letters:
                        any_next.append(i)
                bucket = _Bucket(steps[sid], singles, {k: tuple(v) for k, v in phrases.items()},
                                 tuple(any_next))
                # a plain tuple for the hot loop in find()
                buckets.append((bucket.step.rx.match, bucket.step.inflected, bucket.singles,
                                bucket.phrases, bucket.any_next, bucket.step))
            self.automaton.add_word(key, (len(key), tuple(buckets)))
        if self.by_key:
            self.automaton.make_automaton()

    def _word(self, step: _Step, text: str, pos: int) -> int:
        hit = step.rx.match(text, pos)
        if hit is None:
            return -1
        if not step.inflected:
            return hit.end()
        ending = self.ending.match(text, hit.end())
        if ending is not None:
            return ending.end()
        if self.fold:
            hit = _compiled(step.slow).match(text, pos)
            return hit.end() if hit else -1
        return -1

    def _rest(self, entry: _Entry, text: str, pos: int) -> int:
        """End of the entry's words after the first (``pos`` is after the first separator)."""
        for k, step in enumerate(entry.steps[1:]):
            if k:
                sep = self.separator.match(text, pos)
                if sep is None:
                    return -1
                pos = sep.end()
            pos = self._word(step, text, pos)
            if pos < 0:
                return -1
        return pos

    def find(self, prepared: str) -> list[tuple[int, int, _Entry]]:
        """Every (start, end, entry) that matches at a word start. An entry has one automaton
        key, so nothing repeats, except in Kazakh Latin (several keys per entry)."""
        if not self.by_key:
            return []
        spans: list[tuple[int, int, _Entry]] = []
        add = spans.append
        entries = self.entries
        ending, separator, fold = self.ending.match, self.separator.match, self.fold
        for end, (length, buckets) in self.automaton.iter(prepared):
            start = end - length + 1
            if start and prepared[start - 1].isalnum():
                continue
            for word, inflected, singles, phrases, any_next, step in buckets:
                hit = word(prepared, start)
                if hit is None:
                    continue
                first = hit.end()
                if inflected:
                    after = ending(prepared, first)
                    if after is not None:
                        first = after.end()
                    elif fold:
                        first = self._word(step, prepared, start)
                        if first < 0:
                            continue
                    else:
                        continue
                for i in singles:
                    add((start, first, entries[i]))
                if not (phrases or any_next):
                    continue
                if prepared[first:first + 1] == " " and prepared[first + 1:first + 2].isalnum():
                    after_sep = first + 1  # the usual single space, without the expression
                else:
                    sep = separator(prepared, first)
                    if sep is None:
                        continue
                    after_sep = sep.end()
                for i in phrases.get(prepared[after_sep:after_sep + 2], ()) + any_next:
                    stop = self._rest(entries[i], prepared, after_sep)
                    if stop > start:
                        add((start, stop, entries[i]))
        if fold:
            spans = list({(s, id(e)): (s, x, e) for s, x, e in spans}.values())
        return spans


_LATIN_SEP = r"[\s\-‐‑–—«»\"“”„()/]{1,4}"
_CYR_SEP = r"[\s\-‐‑–—«»\"“”„'’()/]{1,4}"
_WORD_END = r"(?![^\W_])"


def _read_tsv(path: Path) -> list[tuple[int, list[str]]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rows.append((number, [cell.strip() for cell in line.split("\t") if cell.strip()]))
    return rows


def _read_endings(path: Path) -> dict[str, tuple[int, list[str]]]:
    """``lang  max_chain  ending ending ...``: the inflection a ``~`` term may take."""
    endings = {}
    for number, cells in _read_tsv(path):
        if len(cells) != 3:
            raise LexiconError(f"{path.name}:{number}: expected lang, chain length, endings")
        endings[cells[0]] = (int(cells[1]), cells[2].split())
    return endings


# Kazakh Cyrillic letter -> its spellings in the folded Latin text (see language.py's fold).
_KK_LATIN_FORMS = {
    "а": ("a",), "ә": ("a", "a'", "ae"), "б": ("b",), "в": ("v",), "г": ("g",),
    "ғ": ("g", "gh", "g'"), "д": ("d",), "е": ("e",), "ё": ("io", "e"), "ж": ("j", "zh"),
    "з": ("z",), "и": ("i", "ii", "i'"), "й": ("i", "i'"), "к": ("k",), "қ": ("k",), "л": ("l",),
    "м": ("m",), "н": ("n",), "ң": ("n", "ng", "n'"), "о": ("o",), "ө": ("o", "o'", "oe"),
    "п": ("p",), "р": ("r",), "с": ("s",), "т": ("t",), "у": ("u", "i'"), "ұ": ("u",),
    "ү": ("u", "u'", "ue"), "ф": ("f",), "х": ("h", "kh"), "һ": ("h",), "ц": ("ts", "c"),
    "ч": ("c", "ch", "c'"), "ш": ("s", "sh", "s'"), "щ": ("sc", "shch", "s"), "ъ": ("",),
    "ы": ("i",), "і": ("i", "i'"), "ь": ("",), "э": ("e",), "ю": ("iu", "u", "i'u"), "я": ("ia", "a", "i'a"),
}
# One-to-one fold of lower-case Latin text, so positions survive; the generated patterns
# above spell out what this fold leaves as two letters (sh, zh, n', ...). Only the rare
# non-ASCII letters are rewritten (str.translate is slow on non-ASCII text); the ASCII
# variants (y for i, q for k, w for u, x for h) are matched by the patterns themselves.
_KK_LATIN_FOLD = {
    "á": "a", "ä": "a", "à": "a", "â": "a", "ó": "o", "ö": "o", "ô": "o", "ú": "u", "ü": "u",
    "ū": "u", "ù": "u", "û": "u", "ý": "u", "ı": "i", "í": "i", "ì": "i", "î": "i", "ï": "i",
    "ń": "n", "ñ": "n", "ǵ": "g", "ğ": "g", "ş": "s", "ç": "c", "é": "e", "ë": "e",
    "’": "'", "ʼ": "'", "ʻ": "'", "‘": "'", "`": "'", "´": "'",
}
_KK_LATIN_FOLD_RX = re.compile("[" + "".join(_KK_LATIN_FOLD) + "]")
_ASCII_VARIANTS = {"i": "iy", "k": "kq", "u": "uw", "h": "hx"}


def kk_latin_text_fold(low: str) -> str:
    """Fold lower-case Kazakh Latin text (any alphabet since 2017) without moving positions."""
    return _KK_LATIN_FOLD_RX.sub(lambda m: _KK_LATIN_FOLD[m.group()], low)


def _kk_latin_letters(word: str) -> list[tuple[str, ...]]:
    return [_KK_LATIN_FORMS.get(ch, (ch,)) for ch in word]


def _literal_rx(form: str) -> str:
    return "".join(f"[{_ASCII_VARIANTS[ch]}]" if ch in _ASCII_VARIANTS else re.escape(ch)
                   for ch in form)


def _alternation(forms: tuple[str, ...]) -> str:
    forms = tuple(sorted(set(forms), key=len, reverse=True))
    if len(forms) == 1:
        return _literal_rx(forms[0])
    return f"(?:{'|'.join(map(_literal_rx, forms))})"


def _kk_latin_rx(word: str) -> str:
    return "".join(_alternation(forms) for forms in _kk_latin_letters(word))


def _kk_latin_keys(word: str, letters: int = 3) -> set[str]:
    head = _kk_latin_letters(word)[:letters]
    keys: set[str] = set()
    for parts in itertools.product(*head):
        key = "".join(parts)
        options = [_ASCII_VARIANTS.get(ch, ch) for ch in key]
        keys.update("".join(p) for p in itertools.product(*options) if p)
    return keys


def _step(token: str, ending_rx: str, latin_kk: bool, cache: dict) -> _Step:
    """A word of an entry: exact, ``stem*`` (any continuation), ``stem~`` (the language's
    endings) or ``<n>`` (any number: "пикет 4" is a railway marker, no picket)."""
    key = (token, latin_kk)
    if key in cache:
        return cache[key]
    marker = token[-1] if token[-1] in "*~" and len(token) > 1 else ""
    stem = token[:-1] if marker else token
    body = _kk_latin_rx(stem) if latin_kk else re.escape(stem)
    if token == _NUMBER:
        step = _Step(re.compile(r"\d+" + _WORD_END), False, "")
    elif token == _ANY_WORD:
        step = _Step(re.compile(r"(?:[^\W_]|')+" if latin_kk else r"[^\W_]+"), False, "")
    elif marker == "*":
        tail = r"(?:[^\W_]|')*" if latin_kk else r"[^\W_]*"
        step = _Step(re.compile(body + tail), False, "")
    elif marker == "~":
        step = _Step(re.compile(body), True, body + ending_rx + _WORD_END)
    else:
        step = _Step(re.compile(body + _WORD_END), False, "")
    cache[key] = step
    return step


def _ending_rx(spec: tuple[int, list[str]] | None, latin_kk: bool) -> str:
    if not spec:
        return ""
    chain, endings = spec
    parts = sorted({_kk_latin_rx(e) if latin_kk else re.escape(e) for e in endings},
                   key=len, reverse=True)
    return f"(?:{'|'.join(parts)}){{0,{chain}}}"


def _stem(pattern: str) -> str:
    first = pattern.split()[0]
    return first[:-1] if first[-1] in "*~" and len(first) > 1 else first


def _keys(pattern: str) -> list[str]:
    """Automaton keys: the first stem, or for a phrase whose first word is exact, that word,
    the separator (space or hyphen) and the next word's first letters, so that a common first
    word ("chinese", "не") does not send every occurrence to a dozen phrase regexes. Short exact
    words that follow are taken whole ("to the ak", not "to th")."""
    tokens = pattern.split()
    stem = _stem(pattern)
    if len(tokens) < 2 or tokens[0][-1] in "*~":
        return [stem]
    tail, k = "", 1
    while k < len(tokens) - 1 and len(tokens[k]) <= 3 and tokens[k][-1] not in "*~" \
            and tokens[k] not in (_NUMBER, _ANY_WORD):
        tail += tokens[k] + " "
        k += 1
    head = "" if tokens[k] in (_NUMBER, _ANY_WORD) else tokens[k].rstrip("*~")[:2]
    return [f"{stem} {tail}{head}", f"{stem}-{tail}{head}"]


@dataclass(frozen=True)
class _Lexicon:
    matchers: dict[str, _Matcher]
    version: str


def _parse_entry(path: Path, number: int, cells: list[str]) -> tuple[tuple[str, ...], str, float]:
    if len(cells) not in (2, 3):
        raise LexiconError(f"{path.name}:{number}: expected concept, pattern[, weight]")
    concepts = tuple(c.strip() for c in cells[0].split(","))
    known = set(TOPICS) | _CONCEPTS
    for concept in concepts:
        if concept not in known and not concept.startswith(_NEGATIVE_PREFIX):
            raise LexiconError(f"{path.name}:{number}: unknown concept {concept!r}")
    try:
        weight = float(cells[2]) if len(cells) == 3 else 1.0
    except ValueError as exc:
        raise LexiconError(f"{path.name}:{number}: weight {cells[2]!r} is not a number") from exc
    if cells[1].split()[0] in (_NUMBER, _ANY_WORD):
        raise LexiconError(f"{path.name}:{number}: a pattern cannot start with "
                           f"{cells[1].split()[0]}")
    if set(concepts) <= ROLES and len(cells) == 3:
        raise LexiconError(f"{path.name}:{number}: a role-only entry takes no weight")
    return concepts, cells[1].lower(), weight


def _load_group(path: Path, endings: dict, matchers: dict[str, _Matcher]) -> None:
    lang = path.stem
    plain_end = _ending_rx(endings.get(lang), latin_kk=False)
    latin_end = _ending_rx(endings.get(lang), latin_kk=True)
    plain = matchers.setdefault(lang, _Matcher(lang, False, re.compile(_CYR_SEP),
                                               re.compile(plain_end + _WORD_END)))
    latin = None
    if lang == "kk":
        latin = matchers.setdefault("kk-Latn", _Matcher("kk-Latn", True, re.compile(_LATIN_SEP),
                                                        re.compile(latin_end + _WORD_END)))
    plain_cache: dict = {}
    latin_cache: dict = {}
    for number, cells in _read_tsv(path):
        concepts, pattern, weight = _parse_entry(path, number, cells)
        steps = tuple(_step(t, plain_end, False, plain_cache) for t in pattern.split())
        plain.add(_Entry(concepts, pattern, weight, steps), _keys(pattern))
        if latin is not None and re.search("[а-яәғқңөұүһі]", pattern):
            steps = tuple(_step(t, latin_end, True, latin_cache) for t in pattern.split())
            latin.add(_Entry(concepts, pattern, weight, steps), _kk_latin_keys(_stem(pattern)))


@lru_cache(maxsize=4)
def _load(directory: Path = LEXICON_DIR) -> _Lexicon:
    files = sorted(directory.glob("*.tsv"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    endings_path = directory / "endings.tsv"
    endings = _read_endings(endings_path) if endings_path.exists() else {}
    matchers: dict[str, _Matcher] = {}
    for path in files:
        if path.name != "endings.tsv":
            _load_group(path, endings, matchers)
    for matcher in matchers.values():
        matcher.build()
    return _Lexicon(matchers, digest.hexdigest()[:12])


def lexicon_version() -> str:
    """Short hash of the lexicon files; stored with every decision."""
    return _load().version


# --- matching -------------------------------------------------------------------------------

_GROUPS_FOR_LANG = {
    "ru": ("ru", "common"),
    "kk": ("kk", "kk-Latn", "common"),
    "en": ("en", "common"),
}
_SENTENCE_MARK = re.compile(r"[.!?…\n]")
_AFTER_STOP = re.compile(r"[.!?…]*[\"»”’)]*\s+")
_AFTER_BREAK = re.compile(r"\s*")


def _sentence_ends(text: str) -> list[int]:
    """Where sentences end: after . ! ? … (and closing quotes) followed by a space, and after a
    line break. Same as the expression [.!?…]+["»”’)]*\\s+|\\n\\s*, faster: the scan looks
    for one character class, and only its hits are checked."""
    ends: list[int] = []
    last = -1
    for mark in _SENTENCE_MARK.finditer(text):
        i = mark.start()
        if i < last:
            continue
        if text[i] == "\n":
            last = _AFTER_BREAK.match(text, i + 1).end()  # type: ignore[union-attr]
        else:
            after = _AFTER_STOP.match(text, i + 1)
            if after is None:
                continue
            last = after.end()
        ends.append(last)
    return ends


# One-to-one, so positions survive: every kind of space becomes " " (automaton keys use it).
_SPACES = re.compile("[\t\n\r\x0b\x0c\xa0\u2002\u2003\u2009\u202f]")


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) != len(text):  # "İ" (2021 Kazakh Latin, Turkish) lowers to two characters
        low = text.replace("İ", "i").lower()
        if len(low) != len(text):
            low = "".join(ch.lower()[:1] for ch in text)
    return _SPACES.sub(" ", low)


def _lead_end(text: str) -> int:
    cut = text.find("\n", 150)
    return cut if 0 < cut <= 600 else min(len(text), 400)


@dataclass
class _Field:
    """One scanned field (title or text): its matches in text order and, for each, the number of
    the sentence it is in (the title is one sentence)."""

    name: str  # "title" or "text"
    text: str
    matches: list[Match]
    sentence: list[int]  # parallel to matches
    sentences: int  # how many sentences the field has
    tail_from: int = 1 << 30  # matches from here on were weighed TAIL_WEIGHT
    by_concept: dict[str, list[int]] = field(default_factory=dict)  # concept -> match indices
    keys: list[str] = field(default_factory=list)  # parallel to matches: the term in lower case
    events: frozenset[int] = frozenset()  # body sentences that report a protest event
    legal: bool = False  # a prosecutor's protest is reported (a stop with the legal role)

    def of(self, concept: str) -> list[Match]:
        return [self.matches[i] for i in self.by_concept.get(concept, ())]

    def raw_weight(self, m: Match, unit: int) -> float:
        """The term's own weight, before the title / lead / tail / event factors."""
        factor = WHERE_WEIGHT[m.where]
        if m.where == "body":
            if m.position >= self.tail_from:
                factor *= TAIL_WEIGHT
            if unit in self.events and m.concept == "protest":
                factor *= EVENT_WEIGHT
        return m.weight / factor


_LATIN_LETTERS = re.compile("[a-z]")


def _scan(name: str, text: str, groups: Iterable[_Matcher], legal_title: bool = False) -> _Field:
    """Matches of one field; ``legal_title``: the title reports a prosecutor's protest, which
    the text's first sentence then goes on about (see _read_roles)."""
    if not text:
        return _Field(name, text, [], [], 0)
    low = _lower(text)
    latin = len(_LATIN_LETTERS.findall(low, 0, 600)) * 5 >= min(len(low), 600)
    spans: list[tuple[int, int, _Entry]] = []
    for matcher in groups:
        if matcher.fold:
            if latin:
                spans.extend(matcher.find(kk_latin_text_fold(low)))
        else:
            spans.extend(matcher.find(low))
    if name == "text":
        spans = _drop_furniture(text, spans)
    spans = _resolve_overlaps(spans)
    if name == "title":
        ends: list[int] = []
        units = [0] * len(spans)
    else:
        ends = _sentence_ends(text)
        bisect_right = bisect.bisect_right
        units = [bisect_right(ends, s[0]) for s in spans]
    spans, units, raw, events = _read_roles(spans, units, name == "text", legal_title)
    lead_end = _lead_end(text) if name == "text" else 0
    tail_from = max(TAIL_FROM_CHARS, int(len(text) * 0.6))
    matches: list[Match] = []
    append = matches.append
    by_concept: dict[str, list[int]] = defaultdict(list)
    keys: list[str] = []
    sentence: list[int] = []
    new = _new
    for (start, end, entry), unit, own in zip(spans, units, raw, strict=True):
        if not entry.emit:
            continue
        if name == "title":
            where = place = "title"
        elif start < lead_end:
            where = place = "lead"
        else:
            where, place = "body", ("tail" if start >= tail_from else "body")
        if own == entry.weight:
            weight = entry.weighted[place]
        else:
            weight = round(own * WHERE_WEIGHT[where] * (TAIL_WEIGHT if place == "tail" else 1.0), 3)
        event = events and where == "body" and entry.protest and unit in events
        term, key = text[start:end], low[start:end]
        for concept in entry.emit:
            by_concept[concept].append(len(matches))
            keys.append(key)
            sentence.append(unit)
            m = new(Match)  # Match(...) without the frozen dataclass's per-field __setattr__
            m.__dict__.update(concept=concept, term=term, where=where, position=start,
                              weight=round(weight * EVENT_WEIGHT, 3)
                              if event and concept == "protest" else weight)
            append(m)
    if name == "title":
        return _Field(name, text, matches, sentence, 1, by_concept=by_concept, keys=keys,
                      legal=any(LEGAL in entry.roles for _, _, entry in spans))
    return _Field(name, text, matches, sentence, len(ends) + 1, tail_from, by_concept, keys,
                  events)


def _near_unit(unit: int, units: set[int]) -> bool:
    return unit in units or unit - 1 in units or unit + 1 in units


def _read_roles(spans: list[tuple[int, int, _Entry]], units: list[int], text: bool,
                legal_title: bool = False,
                ) -> tuple[list[tuple[int, int, _Entry]], list[int], list[float], frozenset[int]]:
    """Read terms by the company they keep in their sentence (``units``: sentence numbers).
    Returns the spans kept, their sentences, their own weights and the event sentences.

    - Legal: next to a prosecutor's protest (a stop with the legal role), protest terms in a
      sentence without residents or activists are that objection ("the protest was upheld").
    - Geography: a place (Xinjiang, Urumqi, China) in a sentence about an earthquake or the
      weather, or on a route ("via Urumqi", "через Урумчи", "Үрімші арқылы"), is a location,
      not China news: dropped.
    - A bare "against" / "против" / "қарсы" counts only in a sentence with another protest term
      or residents: a law "against" drink-driving, the agency "against" corruption are none.
    - Detentions and fines count only within a sentence of a protest term of LICENCE_MIN or a
      participant (activists): a bribe-taker "ұсталды" is no protest.
    - Fights count only within a sentence of workers or guards (or of a protest), and weigh
      FIGHT_AT_WORK where workers fight and nothing else is reported: labour contestation, not
      a brawl at a wedding.
    - Appeals (complaints, letters, hearings) of residents or workers named in their sentence
      weigh APPEAL_PUBLIC: what an official statement answers. An appeal of weight 0 ("letters",
      "concerns") counts only there.
    - A body sentence whose core protest terms reach EVENT_MIN and that names residents or
      workers reports a protest event: its protest terms weigh as in the lead (see _scan)."""
    by_role: dict[str, list[int]] = {}
    core: list[int] = []  # protest terms that stand on their own
    for i, (_, _, entry) in enumerate(spans):
        if entry.roles:
            for role in entry.roles:
                by_role.setdefault(role, []).append(i)
            if entry.core:
                core.append(i)
        elif entry.protest:
            core.append(i)
    raw = [entry.weight for _, _, entry in spans]
    if not by_role and not legal_title:
        return spans, units, raw, frozenset()
    drop = _geography(spans, units, by_role)
    public = {units[i] for i in by_role.get(PUBLIC, ())}
    if LEGAL in by_role or legal_title:
        # next to a prosecutor's protest, "the protest was upheld" is the same objection, unless
        # residents or activists are in the sentence
        legal = {units[i] + d for i in by_role.get(LEGAL, ()) for d in (-1, 0, 1)}
        if legal_title:
            legal.add(0)
        people = public | {units[i] for i in by_role.get(PARTICIPANT, ())}
        drop.update(i for i, (_, _, entry) in enumerate(spans)
                    if entry.protest and units[i] in legal and units[i] not in people)
    workers = {units[i] for i in by_role.get(WORKER, ())}
    core_units = {units[i] for i in core}
    if AGAINST in by_role:
        drop.update(i for i in by_role[AGAINST] if units[i] not in core_units | public)
    if DEPENDENT in by_role or FIGHT in by_role:
        strong = {units[i] for i in core if raw[i] >= LICENCE_MIN}
        licence = strong | {units[i] for i in by_role.get(PARTICIPANT, ())}
        drop.update(i for i in by_role.get(DEPENDENT, ()) if not _near_unit(units[i], licence))
        for i in by_role.get(FIGHT, ()):
            if units[i] in workers and units[i] not in strong:
                raw[i] = max(raw[i], FIGHT_AT_WORK)  # the fight is what the sentence reports
            elif not _near_unit(units[i], workers | licence):
                drop.add(i)
    actors = public | workers
    for i in by_role.get(APPEAL, ()):
        if units[i] in actors:
            raw[i] = max(raw[i], APPEAL_PUBLIC)
        elif not raw[i]:
            drop.add(i)  # "letters", "concerns": a grievance only when residents voice it
    events: frozenset[int] = frozenset()
    if text and actors & core_units:
        per: dict[int, float] = defaultdict(float)
        for i in core:
            if units[i] in actors and i not in drop:
                per[units[i]] += raw[i]
        events = frozenset(u for u, v in per.items() if v >= EVENT_MIN)
    if drop:
        keep = [i for i in range(len(spans)) if i not in drop]
        return [spans[i] for i in keep], [units[i] for i in keep], [raw[i] for i in keep], events
    return spans, units, raw, events


def _geography(spans: list[tuple[int, int, _Entry]], units: list[int],
               by_role: dict[str, list[int]]) -> set[int]:
    """Places that are only a location: in a sentence about an earthquake or the weather, or
    right after a route word ("via", "через") or right before one ("арқылы")."""
    places = by_role.get(PLACE)
    if not places or not (NATURE in by_role or VIA in by_role or VIA_AFTER in by_role):
        return set()
    nature = {units[i] for i in by_role.get(NATURE, ())}
    before = [spans[i][1] for i in by_role.get(VIA, ())]
    after = [spans[i][0] for i in by_role.get(VIA_AFTER, ())]
    drop = set()
    for i in places:
        start, end, _ = spans[i]
        if units[i] in nature or any(0 <= start - b <= VIA_GAP for b in before) \
                or any(0 <= a - end <= VIA_GAP for a in after):
            drop.add(i)
    return drop


_CREDIT_MARKS = (":", "—", "–", "-", "|", "/", "©")


_new = object.__new__


def _drop_furniture(text: str, spans: list[tuple[int, int, _Entry]]) -> list[tuple[int, int, _Entry]]:
    """Drop what lies in page-furniture paragraphs: a short paragraph that starts with a
    "read also", photo-credit, subscribe or report-an-error marker is not part of the story
    (a related headline there must not change the label)."""
    markers = [s for s in spans if s[2].furniture]
    if not markers:
        return spans
    masked: list[tuple[int, int]] = []
    for start, end, entry in markers:
        para_start = text.rfind("\n", 0, start) + 1
        if text[para_start:start].strip(" \t\xa0\"«*—–-•▶►>|"):
            continue  # the marker is not at the start of its paragraph
        para_end = text.find("\n", start)
        para_end = len(text) if para_end < 0 else para_end
        if para_end - para_start > FURNITURE_CHARS:
            continue
        # a one-word marker ("Фото", "Photo") must be followed by a colon or a dash
        if " " not in entry.pattern and text[end:end + 3].strip()[:1] not in _CREDIT_MARKS:
            continue
        masked.append((para_start, para_end))
    if not masked:
        return [s for s in spans if not s[2].furniture]
    return [s for s in spans if not s[2].furniture and not any(a <= s[0] < b for a, b in masked)]


def _silenced(start: int, end: int, entry: _Entry,
              stops: list[tuple[int, int, _Entry]]) -> bool:
    """Does a stop overlap the match? Not when the match starts with the stop's own words and
    goes on (the lexicon spells out the reading the stop is not about: "жер асты~ шықпа*", miners
    who stay underground, against the stop "жер асты~" that keeps "жер" from meaning land)."""
    for s, e, stop in stops:
        if s < end and start < e:
            if s == start and end > e and entry.pattern.startswith(stop.pattern + " "):
                continue
            return True
    return False


def _resolve_overlaps(spans: list[tuple[int, int, _Entry]]) -> list[tuple[int, int, _Entry]]:
    """Longest match wins where matches overlap; a stop entry silences what it overlaps."""
    spans.sort(key=lambda s: (s[0] << 20) - s[1])  # by start, the longest first
    stops = [span for span in spans if span[2].stop]
    kept: list[tuple[int, int, _Entry]] = []
    for start, end, entry in spans:
        if entry.stop:
            continue
        if stops and _silenced(start, end, entry, stops):
            continue
        if kept and start < kept[-1][1]:
            # inside a longer match, a term survives only if it starts later and adds a
            # concept (the "Китая" in "Банк развития Китая"); same-start terms are alternatives
            # unless they cover the same words for another concept ("завод": plant and owner).
            # Roles count as concepts only for an entry that is nothing but a role ("жителей"
            # in "сход жителей" still names the residents; "Китай" in "в Китай" is goods).
            outer = kept[-1]
            if entry.emit:
                if entry.emit_set <= outer[2].emit_set:
                    continue
            elif entry.roles <= outer[2].roles:
                continue
            if start == outer[0] and end != outer[1]:
                continue
        kept.append((start, end, entry))
    # stops with a role (a prosecutor's protest) stay, as roles, for _read_roles
    kept.extend(span for span in stops if span[2].roles)
    return kept


# --- scoring --------------------------------------------------------------------------------


def _strengths(fields: list[_Field]) -> dict[str, float]:
    """Sum of weights per concept; one term counts at most REPEAT_CAP times per concept."""
    seen: dict[tuple[str, str], int] = {}
    total: dict[str, float] = defaultdict(float)
    for f in fields:
        for m, term in zip(f.matches, f.keys, strict=True):
            key = (m.concept, term)
            count = seen.get(key, 0) + 1
            seen[key] = count
            if count <= REPEAT_CAP:
                total[m.concept] += m.weight
    return total


def _damping(strength: dict[str, float]) -> dict[str, float]:
    """Factor per concept for articles whose context (sport, weather, markets, ceremonies)
    explains away their China or protest words."""
    factors: dict[str, float] = {}
    for context, damped in CONTEXT.items():
        level = strength.get(context, 0.0)
        if level < CONTEXT_MIN:
            continue
        share = min(1.0, (level - CONTEXT_MIN) / (CONTEXT_FULL - CONTEXT_MIN))
        factor = 1.0 - share * (1.0 - CONTEXT_FLOOR)
        for concept in damped:
            factors[concept] = min(factors.get(concept, 1.0), factor)
    return factors


def _near(positions: list[int], position: int, distance: int) -> bool:
    i = bisect.bisect_left(positions, position - distance)
    return i < len(positions) and positions[i] <= position + distance


def _ownership(fields: list[_Field]) -> tuple[bool, bool]:
    """(owned, foreign): does the article tie its company, plant or investor to China (China
    near an ownership word: "принадлежит компании из КНР", "акционері — қытайлық корпорация",
    "Chinese-owned"; or right next to a company noun: "китайская компания", "a Chinese firm")?
    China as the maker or market of goods ("кран китайского производства"), or within
    GOODS_NEAR characters of a trade word ("на экспорт — во Францию, Китай", "Қытайға
    экспортталады", "shipped to China"), does not count.
    And does the title or lead name the company as another country's ("Turkish contractor",
    "Kazakh-owned mine") while the title does not name China? Then the story contests that
    company, and China elsewhere in it is a comparison or background."""
    linked = False
    for f in fields:
        china = f.of("china")
        owners = [m.position for m in f.of("owner")]
        if not owners:
            continue
        for m in f.of("other_nation"):
            if m.where != "body" and _near(owners, m.position, OWNER_ADJACENT):
                if not any(c.where == "title" for c in fields[0].of("china")):
                    return False, True
        if linked or not china:
            continue
        strong = [m.position for m in f.of("ownership")]
        goods = [m.position for m in f.of("goods")]  # in order, as matched
        linked = any(not _near(goods, m.position, GOODS_NEAR) and (_near(strong, m.position, OWNER_NEAR)
                                                  or _near(owners, m.position, OWNER_ADJACENT))
                     for m in china)
    return linked, False


def _proxies(strength: dict[str, float], topics: dict[str, float], owned: bool) -> dict[str, float]:
    """Concepts that count as China in this article, and at what rate."""
    proxies = {}
    if strength.get("reform", 0.0) >= REFORM_THEME and (
            strength.get("foreign") or strength.get("protest", 0.0) >= PROTEST_MIN):
        # land to foreigners, and the rallies against the Land Code, are the contested issue;
        # a land tax or a land inventory is not
        proxies["reform"] = AS_CHINA["reform"]
        proxies["foreign"] = 1.0  # "foreigners" in the land debate means the Chinese
    elif strength.get("china", 0.0) >= 1.0 and not strength.get("other_nation"):
        proxies["foreign"] = 0.5  # the only foreign country named is China
    if strength.get("camps", 0.0) >= CAMPS_THEME and topics["xinjiang"] >= XINJIANG_THEME:
        proxies["xinjiang"] = AS_CHINA["xinjiang"]
    if owned:
        proxies["owner"] = AS_CHINA["owner"]
    return proxies


def _cooccurrence(f: _Field, proxies: dict[str, float]) -> float:
    """Weighted count of sentences where a China term (or what stands for it) meets a protest
    term in the same sentence (or, at half weight, within NEAR_CHARS in a neighbouring one): per
    sentence 1.5 x the smaller weight of the best pair, the best six sentences."""
    if "protest" not in f.by_concept:
        return 0.0
    china: dict[int, float] = {}  # strongest China-side weight per sentence
    near: list[tuple[int, float]] = []  # China-side (position, weight)
    for concept in ("china", *proxies):
        rate = proxies.get(concept, 1.0)
        for i in f.by_concept.get(concept, ()):
            m, unit = f.matches[i], f.sentence[i]
            weight = m.weight * rate
            if weight > china.get(unit, 0.0):
                china[unit] = weight
            near.append((m.position, weight))
    if not china:
        return 0.0
    near.sort()
    positions = [p for p, _ in near]
    best: dict[int, float] = {}
    for i in f.by_concept["protest"]:
        m, unit = f.matches[i], f.sentence[i]
        partner = china.get(unit, 0.0)
        lo = bisect.bisect_left(positions, m.position - NEAR_CHARS)
        hi = bisect.bisect_right(positions, m.position + NEAR_CHARS)
        for _, cweight in near[lo:hi]:
            if cweight * NEIGHBOUR_RATE > partner:
                partner = cweight * NEIGHBOUR_RATE  # a neighbouring sentence counts half
        if partner:
            best[unit] = max(best.get(unit, 0.0), 1.5 * min(m.weight, partner))
    return sum(sorted(best.values(), reverse=True)[:6])


def _protest_units(fields: list[_Field]) -> tuple[float, int]:
    """How many sentences are about a protest (title and lead sentences count double), and how
    many sentences the text has."""
    units = 0.0
    for f in fields:
        per: dict[int, float] = defaultdict(float)
        where: dict[int, str] = {}
        for i in f.by_concept.get("protest", ()):
            m = f.matches[i]
            unit = f.sentence[i]
            per[unit] += f.raw_weight(m, unit)
            where[unit] = m.where
        # a title is short and chosen with care: one weaker protest word there is enough
        least = PROTEST_UNIT if f.name == "text" else TITLE_UNIT
        units += sum(2.0 if where[u] in ("title", "lead") or u in f.events else 1.0
                     for u, v in per.items() if v >= least)
    return units, fields[-1].sentences


def _china_spread(fields: list[_Field], proxies: dict[str, float]) -> tuple[bool, int]:
    """Is China in the title or lead, and in how many body sentences is it? Once the article
    ties its company to China (the owner proxy), the company's sentences count too: a bridge
    "built by a Chinese contractor" and "its contractor will maintain it" are China news."""
    side = {"china", *proxies}  # the company counts once the article has tied it to China
    top = False
    body: set[int] = set()
    for f in fields:
        for concept in side:
            for i in f.by_concept.get(concept, ()):
                if f.matches[i].where == "body":
                    body.add(f.sentence[i])
                else:
                    top = True
    return top, len(body)


@dataclass(frozen=True)
class _Scores:
    china: float
    protest: float
    cooc: float
    negative: float
    units: float  # protest sentences (title and lead double)
    sentences: int
    china_top: bool  # China (or what stands for it) in the title or lead
    china_title: bool  # China itself in the title
    china_sentences: int  # body sentences that name China (or what stands for it)
    topics: dict[str, float]
    foreign_target: bool = False  # the title or lead names another country's company
    camps: float = 0.0  # Xinjiang itself (the region, its camps): the fallback topic's cue
    owned: bool = False  # the article ties its company to China


def _topic_strengths(fields: list[_Field]) -> dict[str, float]:
    """Topic strength: the weights of its terms (REPEAT_CAP per term), doubled in sentences
    that also carry a protest term."""
    total = dict.fromkeys(TOPICS, 0.0)
    seen: dict[tuple[str, str], int] = {}
    for f in fields:
        protest = {f.sentence[i] for i in f.by_concept.get("protest", ())}
        for topic in TOPICS:
            for i in f.by_concept.get(topic, ()):
                m = f.matches[i]
                key = (topic, f.keys[i])
                seen[key] = count = seen.get(key, 0) + 1
                if count <= REPEAT_CAP:
                    bonus = TOPIC_IN_PROTEST if f.sentence[i] in protest else 1.0
                    total[topic] += m.weight * bonus
    return total


def _score(fields: list[_Field]) -> _Scores:
    strength = _strengths(fields)
    damp = _damping(strength)
    topics = {t: strength.get(t, 0.0) for t in TOPICS}
    events = sum(v for c, v in strength.items() if c in EVENT_NEGATIVES)
    owned, foreign = _ownership(fields)
    owned = owned and events < EVENTS_STRONG
    proxies = _proxies(strength, topics, owned)
    china = strength.get("china", 0.0) + sum(
        min(strength.get(c, 0.0) * rate, OWNER_AS_CHINA_MAX if c == "owner" else 1e9)
        for c, rate in proxies.items()
    ) + (OWNED_CHINA if owned else 0.0)
    negative = sum(v for c, v in strength.items()
                   if c.startswith(_NEGATIVE_PREFIX) and c not in CONTEXT)
    protest = strength.get("protest", 0.0) + EVENT_AS_PROTEST * events
    cooc = sum(_cooccurrence(f, proxies) for f in fields) + (OWNED_LINK if owned else 0.0)
    china *= damp.get("china", 1.0)
    protest *= damp.get("protest", 1.0)
    cooc *= min(damp.get("china", 1.0), damp.get("protest", 1.0))
    units, sentences = _protest_units(fields)
    top, body = _china_spread(fields, proxies)
    china_title = "china" in fields[0].by_concept
    return _Scores(china, protest, cooc, negative, units, sentences, top, china_title, body,
                   _topic_strengths(fields), foreign, strength.get("camps", 0.0), owned)


def _decide(scores: _Scores) -> tuple[bool, bool, bool, float]:
    protest = scores.protest >= PROTEST_MIN
    # China once, but in the title or lead sentence that reports the protest, is enough
    china = scores.china >= CHINA_MIN or (scores.china >= CHINA_MIN_LINKED
                                          and scores.cooc >= COOC_STRONG)
    if china and protest and scores.cooc == 0 and scores.china < CHINA_PASSING:
        china = False  # a protest story that mentions China once in passing
    score = scores.cooc + 0.25 * min(scores.china, scores.protest) - 0.5 * scores.negative
    score = round(max(score, 0.0), 3)
    needed = min(SUBJECT_UNITS, max(1.0, scores.sentences / SUBJECT_SPAN))
    about_protest = scores.units >= needed
    if about_protest and scores.china_title and protest and china:
        # the headline names China and the text is about a protest: that links them
        # (a ministry publishing the project list after rallies, a court hearing on asylum)
        cooc = max(scores.cooc, TITLE_LINK)
        score = round(max(score, cooc + 0.25 * min(scores.china, scores.protest)
                          - 0.5 * scores.negative, 0.0), 3)
        scores = dataclasses.replace(scores, cooc=cooc)
    relevant = (china and protest and about_protest and scores.cooc > 0
                and score >= RELEVANT_MIN and not scores.foreign_target)
    if china and not relevant and (scores.foreign_target or not scores.china_top):
        # China-related news is about China: named in the title or lead (unless that names
        # another country's company as the subject), or throughout
        china = scores.china_sentences >= CHINA_SENTENCES
    return china, protest, relevant, score


def _topics(scores: _Scores, china: bool, relevant: bool) -> tuple[str, ...]:
    """Topics strong enough (TOPIC_MIN, and TOPIC_SHARE of the strongest), strongest first; a
    relevant article always gets one: its strongest topic if that reaches TOPIC_FALLBACK or the
    article contests a company tied to China; else xinjiang when Xinjiang itself is named (a
    picket about a son sentenced there; not a company founded there), else sinophobia for
    contestation of China in general (one consulate mention is no topic)."""
    if not (china or relevant):
        return ()
    ranked = sorted(scores.topics.items(), key=lambda kv: -kv[1])
    least = max(TOPIC_MIN, TOPIC_SHARE * ranked[0][1])
    topics = tuple(t for t, s in ranked if s >= least)
    if relevant and not topics:
        if ranked[0][1] >= TOPIC_FALLBACK or (scores.owned and ranked[0][1] > 0):
            topics = (ranked[0][0],)
        else:
            topics = ("xinjiang",) if scores.camps > 0 and not scores.owned else ("sinophobia",)
    return topics


def _groups(lexicon: _Lexicon, lang: str) -> list[_Matcher]:
    code = lang.split("-")[0].split("_")[0].lower() if isinstance(lang, str) else ""
    names = _GROUPS_FOR_LANG.get(code, tuple(lexicon.matchers))
    return [lexicon.matchers[n] for n in names if n in lexicon.matchers]


def classify(title: str, text: str, lang: str) -> Decision:
    """Decide whether an article is about a China-related protest; never raises on str input."""
    lexicon = _load()
    title = title if isinstance(title, str) else ""
    text = text if isinstance(text, str) else ""
    groups = _groups(lexicon, lang)
    head = _scan("title", title, groups)
    fields = [head, _scan("text", text, groups, head.legal)]
    scores = _score(fields)
    china, protest, relevant, score = _decide(scores)
    topics = _topics(scores, china, relevant)
    matches = tuple(m for f in fields for m in f.matches)
    return Decision(china, protest, relevant, score, topics, matches, lexicon.version)
