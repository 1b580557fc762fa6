"""Dates: parse the publication dates outlets show (ISO 8601 in metadata; Russian, Kazakh and
English visible dates, relative "Сегодня"/"Бүгін"/"Today") into aware UTC datetimes.

A date without an offset is read in the outlet's time zone as it was on that date
(``zoneinfo`` knows that Almaty and Astana moved from UTC+6 to UTC+5 on 1 March 2024 while
the western regions stayed on UTC+5). The original string is always kept by the caller."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

ALMATY = ZoneInfo("Asia/Almaty")
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)  # no outlet in the registry published before


@dataclass(frozen=True)
class ParsedDate:
    value: datetime  # aware, UTC
    raw: str
    has_time: bool
    had_offset: bool  # the string carried its own offset (ISO); otherwise the zone was applied


# Month words by number. Russian: stems that cover nominative and genitive; Kazakh in
# Cyrillic and its Latin spellings; English full and abbreviated.
_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("январ", "қаңтар", "qańtar", "qantar", "qañtar", "qan'tar", "january", "jan"),
    2: ("феврал", "ақпан", "aqpan", "february", "feb"),
    3: ("март", "наурыз", "nauryz", "naýryz", "naurız", "march", "mar"),
    4: ("апрел", "сәуір", "sáýir", "sauir", "säuir", "sa'ui'r", "säuır", "april", "apr"),
    5: ("мая", "май", "мамыр", "mamyr", "mamır", "may"),
    6: ("июн", "маусым", "maýsym", "mausym", "mausım", "june", "jun"),
    7: ("июл", "шілде", "shilde", "şilde", "july", "jul"),
    8: ("август", "тамыз", "tamyz", "tamız", "august", "aug"),
    9: ("сентябр", "қыркүйек", "qyrkúiek", "qyrkuiek", "qyrküiek", "qırküyek", "qyrkýiek",
        "september", "sept", "sep"),
    10: ("октябр", "қазан", "qazan", "october", "oct"),
    11: ("ноябр", "қараша", "qarasha", "qaraşa", "november", "nov"),
    12: ("декабр", "желтоқсан", "jeltoqsan", "december", "dec"),
}
# Russian abbreviations as sites print them ("12 сент. 2019", "3 дек 2021"): whole words
# only, so that "октава" or "декан" never read as months.
_ABBREVIATIONS: dict[str, int] = {
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "авг": 8, "сен": 9, "сент": 9,
    "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
}
_MONTH_LOOKUP = sorted(((stem, n) for n, stems in _MONTHS.items() for stem in stems),
                       key=lambda item: -len(item[0]))
_WORD = r"[^\W\d_][\w'’]*"
_TIME = re.compile(
    r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?!\d)\s*(a\.?m\.?|p\.?m\.?)?",
    re.IGNORECASE,
)
_DAY_MONTH_YEAR = re.compile(rf"(?<!\d)(\d{{1,2}})\s+({_WORD})\.?,?(?:\s+(\d{{4}}))?", re.I)
_MONTH_DAY_YEAR = re.compile(rf"({_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.I)
_YEAR_DAY_MONTH = re.compile(
    rf"(\d{{4}})\s*(?:жылғы|жылы|жыл|ж\.?|jylğy|jylgy|jyly)?\s+(\d{{1,2}})\s+({_WORD})", re.I
)
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})(?!\d)")
_YMD_DOTTED = re.compile(r"(?<!\d)(\d{4})[./](\d{1,2})[./](\d{1,2})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_TODAY = re.compile(r"\b(сегодня|бүгін|bügin|bugin|today)\b", re.IGNORECASE)
_YESTERDAY = re.compile(r"\b(вчера|кеше|keshe|keşe|yesterday)\b", re.IGNORECASE)
_ISO_FULL = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


def month_number(word: str) -> int | None:
    low = word.lower().replace("’", "'")
    if low.rstrip(".") in _ABBREVIATIONS:
        return _ABBREVIATIONS[low.rstrip(".")]
    for stem, number in _MONTH_LOOKUP:
        if low.startswith(stem):
            # "мая"/"май" and "mar"/"may" must be the whole word or a known inflection
            if len(stem) <= 4 and len(low.rstrip(".")) > len(stem) + 2:
                continue
            return number
    return None


def parse_iso(text: str) -> ParsedDate | None:
    """ISO 8601 as in JSON-LD and ``article:published_time`` (offset kept if present)."""
    raw = text.strip()
    match = _ISO_FULL.match(raw)
    if match:
        day, clock, offset = match.groups()
        normal = f"{day}T{clock}"
        if offset:
            normal += "+00:00" if offset == "Z" else (
                offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"
            )
        try:
            value = datetime.fromisoformat(normal)
        except ValueError:
            return None
        return ParsedDate(value, raw, True, value.tzinfo is not None)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return ParsedDate(datetime.fromisoformat(raw), raw, False, False)
        except ValueError:
            return None
    return None


def _clock(text: str) -> tuple[time | None, str]:
    match = _TIME.search(text)
    if not match:
        return None, text
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    meridiem = (match.group(4) or "").lower().replace(".", "")
    if meridiem:
        if hour > 12 or hour == 0:
            return None, text
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    rest = text[: match.start()] + " " + text[match.end():]
    return time(hour, minute, second), rest


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _calendar_day(text: str, today: date) -> date | None:
    if _TODAY.search(text):
        return today
    if _YESTERDAY.search(text):
        return today - timedelta(days=1)
    if m := _YMD_DOTTED.search(text):
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _ISO_DATE.search(text):
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _YEAR_DAY_MONTH.search(text):
        month = month_number(m.group(3))
        if month:
            return _safe_date(int(m.group(1)), month, int(m.group(2)))
    if m := _MONTH_DAY_YEAR.search(text):
        month = month_number(m.group(1))
        if month:
            return _safe_date(int(m.group(3)), month, int(m.group(2)))
    for m in _DAY_MONTH_YEAR.finditer(text):
        month = month_number(m.group(2))
        if month:
            year = int(m.group(3)) if m.group(3) else _nearest_past_year(month, int(m.group(1)), today)
            return _safe_date(year, month, int(m.group(1)))
    if m := _NUMERIC.search(text):
        year = int(m.group(3))
        year += 2000 if year < 100 else 0
        return _safe_date(year, int(m.group(2)), int(m.group(1)))
    return None


def _nearest_past_year(month: int, day: int, today: date) -> int:
    """A day and month with no year ("15 августа") is the most recent such day."""
    candidate = _safe_date(today.year, month, day)
    return today.year if candidate and candidate <= today else today.year - 1


def parse_date(
    text: str | None,
    *,
    tz: tzinfo = ALMATY,
    now: datetime | None = None,
) -> ParsedDate | None:
    """Parse a date string as outlets print it; ``None`` when no date can be read.

    ``now`` is when the page was fetched (relative words and bare "HH:MM" are read
    against it, in ``tz``); it defaults to the current time.
    """
    if not text or not text.strip():
        return None
    raw = " ".join(text.split())
    if len(raw) > 200:
        return None
    iso = parse_iso(raw)
    if iso:
        value = iso.value if iso.value.tzinfo else iso.value.replace(tzinfo=tz)
        return _checked(ParsedDate(value.astimezone(UTC), raw, iso.has_time, iso.had_offset))
    if explicit := _EXPLICIT_ZONE.search(raw):
        tz = _zone_of(explicit.group(1))
        raw_for_parse = raw[: explicit.start()] + raw[explicit.end():]
    else:
        raw_for_parse = raw
    now = (now or datetime.now(UTC)).astimezone(tz)
    clock, rest = _clock(raw_for_parse)
    rest = re.sub(r"\b(г|ж|жыл|year)\.?(?=\s|,|$)", " ", rest)
    day = _calendar_day(rest, now.date())
    if day is None:
        if clock is None or re.search(r"\d{3,}|[^\W\d_]{3,}", rest):
            return None
        day = now.date()  # a bare "HH:MM" on a listing means today
    local = datetime.combine(day, clock or time(0, 0)).replace(tzinfo=tz)
    # Resolve the wall-clock time in the zone's rules for that date (fold for DST gaps).
    local = datetime.fromtimestamp(local.timestamp(), tz)
    return _checked(ParsedDate(local.astimezone(UTC), raw, clock is not None, False))


_EXPLICIT_ZONE = re.compile(r"(?<![\w+-])(GMT|UTC|Z|[+-]\d{2}:?\d{2})\s*$")


def _zone_of(token: str) -> tzinfo:
    """'GMT', 'UTC', '+0600' or '-04:00' at the end of a visible date."""
    if token in ("GMT", "UTC", "Z"):
        return UTC
    sign = 1 if token[0] == "+" else -1
    digits = token[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _checked(parsed: ParsedDate) -> ParsedDate | None:
    if parsed.value < EARLIEST or parsed.value.year > 2100:
        return None
    return parsed
