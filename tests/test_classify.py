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


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        ("Десять лет событиям в Жанаозене",
         "16 декабря 2011 года в Жанаозене была расстреляна забастовка нефтяников "
         "«Озенмунайгаза». Бастующие требовали повышения зарплаты.", "ru"),
        ("Суд вынес приговор участникам январских событий",
         "Участники январских событий 2022 года, протестовавшие против цен на сжиженный газ, "
         "получили сроки. Токаев ранее посетил Китай.", "ru"),
        ("Qañtar oqığasyna bir jyl toldy",
         "Bir jyl buryn suıytylğan gaz bağasyna qarsy narazylyq bükil elge taraldy.", "kk"),
        ("Hundreds detained after election day protests in Almaty",
         "Police detained protesters who rallied against the conduct of the presidential "
         "election. Observers reported violations at polling stations.", "en"),
    ],
)
def test_hard_negatives_are_protests_but_not_about_china(title: str, text: str, lang: str) -> None:
    d = classify(title, text, lang)
    assert d.protest and not d.relevant and not d.china


def test_land_protest_that_says_only_foreigners() -> None:
    d = classify(
        "В Атырау прошел митинг против поправок в Земельный кодекс",
        "Несколько сотен человек вышли на площадь, протестуя против продажи и аренды "
        "сельхозземель иностранцам. Участники митинга требовали ввести мораторий.",
        "ru",
    )
    assert d.relevant and d.topics[0] == "land"
    assert not any(m.concept == "china" for m in d.matches)


def test_passing_mention_of_china_is_not_china_related() -> None:
    d = classify(
        "Безработная молодежь Жанаозена требует трудоустройства",
        "Молодые люди неделю дежурят у акимата и требуют работы. «У меня диплом, а я торгую "
        "китайскими телефонами на базаре», — говорит один из них.",
        "ru",
    )
    assert d.protest and not d.china and not d.relevant


def test_wage_arrears_are_labour_not_loans() -> None:
    d = classify("Рабочие китайского подрядчика объявили голодовку",
                 "Они требуют погасить задолженность по зарплате за три месяца.", "ru")
    concepts = {m.concept for m in d.matches}
    assert "loans_debt" not in concepts and {"labour", "protest", "china"} <= concepts


def test_unknown_language_tries_every_lexicon() -> None:
    for title in ("Митинг против китайских заводов", "Qytaı zaýyttaryna qarsy mıtıng",
                  "Protest against Chinese plants"):
        assert classify(title, "", "und").relevant
        assert classify(title, "", "xx").relevant


def test_title_weighs_more_than_the_tail() -> None:
    filler = "Погода в регионе остается теплой. " * 80
    d = classify("Митинг у консульства КНР", filler + "Китай. Митинг.", "ru")
    by_where = {m.where: m.weight for m in d.matches if m.concept == "protest"}
    assert by_where["title"] > by_where["body"]


def test_decisions_are_deterministic() -> None:
    args = ("Aqtöbede Qytaıdan öndiris köşiruge qarsy narazylyq boldy", "", "kk")
    assert classify(*args) == classify(*args)


def test_lexicon_version_follows_the_files(tmp_path) -> None:
    from monitor.classify import LEXICON_DIR, LexiconError, _load

    for path in LEXICON_DIR.glob("*.tsv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    before = _load(tmp_path).version
    (tmp_path / "en.tsv").write_text((tmp_path / "en.tsv").read_text() + "protest\tsit-down\t1\n")
    _load.cache_clear()
    assert _load(tmp_path).version != before
    (tmp_path / "en.tsv").write_text("nonsense_concept\tword\t1\n")
    _load.cache_clear()
    with pytest.raises(LexiconError, match="en.tsv:1: unknown concept"):
        _load(tmp_path)
    _load.cache_clear()
