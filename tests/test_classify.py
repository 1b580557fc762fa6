"""Classify stage: inflected forms, both Kazakh scripts, hard negatives, evidence, never raising."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.classify import TOPICS, Decision, classify


def test_russian_protest_against_chinese_plants() -> None:
    d = classify(
        "Жители Жанаозена вышли на митинг против китайских заводов",
        "В понедельник жители Жанаозена вышли на несанкционированный митинг против переноса "
        "55 китайских заводов в Казахстан. Протестующие требовали опубликовать список.",
        "ru",
    )
    assert d.china and d.protest and d.relevant
    assert "industrial_projects" in d.topics


@pytest.mark.parametrize(
    "title",
    [
        "Қытайдағы туыстары үшін консулдық алдында пикет",  # Cyrillic
        "Qytaıdaǵy týystary úshin konsýldyq aldynda pıket",  # 2018 Latin
        "Qıtaydağı tuıstarı üşin konsuldıq aldında piket",  # 2021 Latin
        "Qytaidag'y tuystary u'shin konsuldyq aldynda piket",  # 2017 apostrophes
        "Qytaidagy tuystary ushin konsuldyk aldynda piket",  # informal
    ],
)
def test_kazakh_in_every_script(title: str) -> None:
    d = classify(title, "", "kk")
    concepts = {m.concept for m in d.matches}
    assert {"china", "protest", "xinjiang"} <= concepts
    assert d.relevant


@pytest.mark.parametrize(
    "word", ["Қытай", "Қытайдың", "Қытайға", "Қытайдан", "Қытаймен", "қытайлық", "қытайлықтар"]
)
def test_kazakh_inflections_of_china(word: str) -> None:
    d = classify(word, "", "kk")
    assert [m.concept for m in d.matches] == ["china"]
    assert d.matches[0].term == word


@pytest.mark.parametrize("word", ["Китай", "Китая", "Китаю", "Китаем", "китайские", "КНР"])
def test_russian_inflections_of_china(word: str) -> None:
    assert [m.concept for m in classify(word, "", "ru").matches] == ["china"]


def test_false_friends_are_not_protests() -> None:
    ru = classify("Китайская компания протестирует вакцину в Казахстане", "", "ru")
    assert not any(m.concept == "protest" for m in ru.matches)
    en = classify("Kazakhstan and China strike a deal on gas exports", "", "en")
    assert not any(m.concept == "protest" for m in en.matches)
    assert en.china and not en.relevant


def test_evidence_positions_point_at_the_term() -> None:
    text = "Сегодня в Алматы прошёл пикет у консульства КНР."
    d = classify("Новости", text, "ru")
    for m in d.matches:
        assert m.where in {"title", "lead", "body"}
        assert text[m.position : m.position + len(m.term)] == m.term


def test_as_json_has_the_contract_keys() -> None:
    data = classify("Китай", "Митинг.", "ru").as_json()
    assert set(data) == {"china", "protest", "relevant", "score", "topics", "matches",
                         "lexicon_version"}
    assert isinstance(data["topics"], list) and isinstance(data["matches"], list)
    assert len(data["lexicon_version"]) == 12


def test_topics_are_the_known_keys() -> None:
    d = classify("Протест против продажи земли иностранцам", "Митинг против Земельного кодекса "
                 "и аренды сельхозземель китайцам прошёл в Атырау.", "ru")
    assert d.relevant and "land" in d.topics
    assert set(d.topics) <= set(TOPICS)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(max_size=600), st.sampled_from(["ru", "kk", "en", "und", ""]))
def test_never_raises(title: str, text: str, lang: str) -> None:
    assert isinstance(classify(title, text, lang), Decision)
