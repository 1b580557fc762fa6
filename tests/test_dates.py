from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.dates import month_number, parse_date, parse_iso

ALMATY = ZoneInfo("Asia/Almaty")
ATYRAU = ZoneInfo("Asia/Atyrau")
FETCHED = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)  # 23:00 in Almaty (UTC+5)


@pytest.mark.parametrize(
    "text, expected_utc",
    [
        ("12 сентября 2019, 14:05", "2019-09-12T08:05"),  # Almaty was UTC+6 then
        ("8 мая 2020 г. 12:28", "2020-05-08T06:28"),
        ("13:51, 15 Август 2025", "2025-08-15T08:51"),  # nominative (Kazinform), UTC+5
        ("21:38, 18 Августа 2026", "2026-08-18T16:38"),
        ("11.12.2019, 11:27", "2019-12-11T05:27"),
        ("1 марта 2024, 10:00", "2024-03-01T05:00"),  # the first day on UTC+5
        ("29 февраля 2024, 10:00", "2024-02-29T04:00"),  # the last day on UTC+6
        ("2019 жылғы 12 қыркүйек, 14:05", "2019-09-12T08:05"),
        ("12 қыркүйек 2019 14:05", "2019-09-12T08:05"),
        ("3 желтоқсан 2021, 09:00", "2021-12-03T03:00"),
        ("12 qyrkúiek 2019, 14:05", "2019-09-12T08:05"),
        ("September 12, 2019 2:05 PM", "2019-09-12T08:05"),
        ("12 Sept 2019 14:05", "2019-09-12T08:05"),
        ("Сегодня, 10:15", "2026-11-28T05:15"),
        ("Вчера, 21:40", "2026-11-27T16:40"),
        ("Бүгін, 09:30", "2026-11-28T04:30"),
        ("Кеше, 18:05", "2026-11-27T13:05"),
        ("Yesterday, 7:05 pm", "2026-11-27T14:05"),
        ("14:05", "2026-11-28T09:05"),  # a bare time on a listing is today
        ("12 сентября 2019 года, 14:05", "2019-09-12T08:05"),
        ("12 сентября 2019 г., 14:05", "2019-09-12T08:05"),
        ("12 мая 2020 года в 12:28", "2020-05-12T06:28"),
        ("12 СЕНТЯБРЯ 2019 14:05", "2019-09-12T08:05"),
        ("15 Январь 2020, 10:00", "2020-01-15T04:00"),  # nominative after the day
        ("12 сент. 2019, 14:05", "2019-09-12T08:05"),  # abbreviated months
        ("3 дек. 2021 09:00", "2021-12-03T03:00"),
        ("1 янв 2020 10:00", "2020-01-01T04:00"),
        ("15 авг 2025 13:51", "2025-08-15T08:51"),
        ("Сегодня в 10:15", "2026-11-28T05:15"),
        ("вчера в 21:40", "2026-11-27T16:40"),
        ("Бүгін 09:30", "2026-11-28T04:30"),
        ("12 қыркүйек 2019 ж. 14:05", "2019-09-12T08:05"),
        ("2024 жылғы 1 наурыз, 10:00", "2024-03-01T05:00"),
        ("10:00 12 сәуір 2021", "2021-04-12T04:00"),
        ("12 maýsym 2023, 10:00", "2023-06-12T04:00"),
        ("Қыркүйек 12, 2019", "2019-09-11T18:00"),  # a date alone is local midnight
        ("29 февраля 2024 г. 23:30", "2024-02-29T17:30"),  # the last minutes on UTC+6
        ("1 марта 2024 г. 00:30", "2024-02-29T19:30"),  # the first minutes on UTC+5
        ("12:30 AM, September 12, 2019", "2019-09-11T18:30"),  # 12 AM is midnight
        ("Sept. 12, 2019 12:05 PM", "2019-09-12T06:05"),  # 12 PM is noon
        ("12.09.19 14:05", "2019-09-12T08:05"),
    ],
)
def test_visible_dates_read_in_almaty_time(text: str, expected_utc: str) -> None:
    parsed = parse_date(text, tz=ALMATY, now=FETCHED)
    assert parsed is not None, text
    assert parsed.value.strftime("%Y-%m-%dT%H:%M") == expected_utc
    assert parsed.value.tzinfo is not None and parsed.value.utcoffset().total_seconds() == 0
    assert parsed.raw == text and not parsed.had_offset


def test_western_regions_stay_on_utc5() -> None:
    assert parse_date("12 сентября 2019, 14:05", tz=ATYRAU).value.hour == 9
    assert parse_date("12 сентября 2019, 14:05", tz=ALMATY).value.hour == 8
    # After 1 March 2024 the whole country is on UTC+5: the two agree.
    assert parse_date("12 сентября 2025, 14:05", tz=ATYRAU).value.hour == 9
    assert parse_date("12 сентября 2025, 14:05", tz=ALMATY).value.hour == 9


def test_yesterday_across_the_2024_switch_uses_that_days_offset() -> None:
    # Fetched at 08:00 on 1 March 2024 in Almaty (UTC+5); "yesterday" was still UTC+6.
    fetched = datetime(2024, 3, 1, 3, 0, tzinfo=UTC)
    parsed = parse_date("Вчера, 10:00", tz=ALMATY, now=fetched)
    assert parsed.value == datetime(2024, 2, 29, 4, 0, tzinfo=UTC)
    assert parse_date("Сегодня, 10:00", tz=ALMATY, now=fetched).value.hour == 5


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2021-07-27 11:14:58Z", "2021-07-27T11:14:58+00:00"),
        ("2021-08-10T10:31:33-0400", "2021-08-10T14:31:33+00:00"),
        ("2019-09-03T14:05:00+06:00", "2019-09-03T08:05:00+00:00"),
    ],
)
def test_iso_offsets_are_kept(text: str, expected: str) -> None:
    parsed = parse_date(text, tz=ATYRAU)
    assert parsed.value.isoformat() == expected and parsed.had_offset


def test_year_less_date_is_the_most_recent_such_day() -> None:
    assert parse_date("15 августа", tz=ALMATY, now=FETCHED).value.year == 2026
    assert parse_date("30 декабря", tz=ALMATY, now=FETCHED).value.year == 2025


@pytest.mark.parametrize("text", ["", "   ", "garbage", "31 февраля 2020", "2019-02-30",
                                  "99:99", "12 мамонтов 2019", "x" * 500, "1 января 1901"])
def test_unreadable_dates_give_none(text: str) -> None:
    assert parse_date(text, tz=ALMATY, now=FETCHED) is None


def test_month_words_need_to_be_months() -> None:
    assert month_number("мая") == 5 and month_number("майдан") is None
    assert month_number("Қыркүйек") == 9 and month_number("desember") is None
    assert month_number("сент.") == 9 and month_number("дек") == 12
    assert month_number("октава") is None and month_number("декан") is None
    assert parse_date("3 октав 2019", tz=ALMATY, now=FETCHED) is None
    assert parse_iso("not-a-date") is None


@pytest.mark.parametrize(
    "text, expected",
    [("February 26, 2021 14:32 GMT", "2021-02-26T14:32"),
     ("12 сентября 2019, 14:05 +0500", "2019-09-12T09:05")],
)
def test_a_zone_written_in_the_visible_date_wins(text: str, expected: str) -> None:
    assert parse_date(text, tz=ALMATY, now=FETCHED).value.strftime("%Y-%m-%dT%H:%M") == expected
