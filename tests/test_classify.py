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
    (tmp_path / "en.tsv").write_text("stop\t<n> km\n")
    _load.cache_clear()
    with pytest.raises(LexiconError, match="en.tsv:1: a pattern cannot start with <n>"):
        _load(tmp_path)
    _load.cache_clear()


# --- article-length behaviour (issue 4) ---------------------------------------------------------


def test_read_also_line_and_photo_credit_do_not_flip_the_label() -> None:
    story = (
        "В Петропавловске открылся новый каток.\n\n"
        + "Каток работает ежедневно с 10 до 22 часов, прокат коньков стоит 1500 тенге. " * 8
    )
    furniture = ("\n\nЧитайте также: Жители Жанаозена вышли на митинг против китайских заводов"
                 "\n\nФото: пресс-служба акимата\n\nПодписывайтесь на наш Telegram-канал.")
    d = classify("Новый каток открылся в Петропавловске", story + furniture, "ru")
    assert not d.relevant and not d.china and not d.protest
    assert all(m.position < len(story) for m in d.matches)


def test_furniture_markers_need_their_own_short_paragraph() -> None:
    text = ("Фото, которые жители выложили в соцсети, показывают митинг у китайского завода: "
            "около двухсот человек требуют закрыть цех. " * 4)
    assert any(m.concept == "protest" for m in classify("", text, "ru").matches)
    credit = classify("", "Aqtóbede jıyn ótti.\n\nSýret: oqyrmannyń jeke muraǵatynan", "kk")
    assert all(m.position < 20 for m in credit.matches)


def test_a_protest_buried_in_a_long_feature_is_found() -> None:
    feature = [
        "In July the melon stalls line the highway south of Taraz, and the district lives on "
        "what passing drivers buy.",
        "Young people leave for Almaty and Atyrau; the sugar factory closed in the 1990s, and "
        "the brick works is a shell.",
        "So officials welcomed an investor last year. The company planning a calcium carbide "
        "plant eight kilometres from the town is owned by a businessman from Xinjiang.",
        "In June about 200 residents gathered outside the akimat and refused to leave for "
        "three hours, demanding to see the environmental assessment.",
        "A petition against the plant collected 2,300 signatures, and the akim promised to "
        "postpone the public hearing.",
        "Back on the highway, the melon sellers say the season is short and the prices low.",
    ]
    d = classify("Melons, a highway and carbide: a summer in a southern district",
                 "\n\n".join(feature), "en")
    assert d.relevant and d.topics
    assert {"china", "owner", "ownership", "protest"} <= {m.concept for m in d.matches}


def test_one_historical_protest_sentence_in_a_china_story_is_a_passing_mention() -> None:
    paragraphs = [
        "Kazakhstan's debt to Chinese lenders has grown slowly over the past decade, "
        "finance ministry data show.",
        "Most of the loans financed pipelines, a refinery upgrade and railway lines built "
        "with Chinese contractors.",
        "The ministry says Chinese banks hold about 6 percent of the external debt, far less "
        "than Western bondholders.",
        "In 2019 the loans were a slogan at rallies against joint factories, and the debate "
        "has never quite gone away.",
        "Economists say the terms are comparable to those of other lenders, though the "
        "contracts are rarely published in full.",
        "The government plans to borrow less abroad next year and to issue more bonds at "
        "home, officials in Astana said.",
        "Rating agencies see no risk in the current level of borrowing from China.",
        "Tenge bonds sold to pension funds now cover most of the budget deficit.",
        "Interest rates on the Chinese loans range from 2 to 4 percent, analysts estimate.",
        "Repayments peak in 2027, when the first railway loans fall due.",
        "Several of the financed projects already earn transit fees that cover their loans.",
        "Officials expect the share of Chinese lenders to fall as the loans are repaid.",
    ]
    d = classify("How much does Kazakhstan owe China?", "\n\n".join(paragraphs), "en")
    assert d.china and not d.relevant


def test_china_as_a_maker_of_goods_does_not_own_the_contested_company() -> None:
    text = ("Рабочие турецкого подрядчика в Астане прекратили работу, требуя выплатить "
            "зарплату. Кран, купленный подрядчиком у китайского производителя, простаивает. "
            "Рабочие обещают продолжать забастовку.")
    d = classify("Рабочие подрядчика в Астане прекратили работу", text, "ru")
    assert d.protest and not d.relevant


def test_another_countrys_company_in_the_lead_makes_china_background() -> None:
    text = ("About 500 miners at a Kazakh-owned copper mine stopped work on Monday, demanding "
            "a raise. The strikers said a neighbouring mine operated by a Chinese company had "
            "raised wages last year.\n\nThe company said it was ready to negotiate.")
    d = classify("Copper miners strike for higher pay", text, "en")
    assert d.protest and not d.relevant and not d.china


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        ("Волейболистки Казахстана уступили Китаю в четвертьфинале",
         "Сборная Казахстана проиграла Китаю в четвертьфинале чемпионата Азии со счетом 1:3. "
         "Тренер подал протест на решение арбитра, но его отклонили. Соперник сильнее в блоке. "
         "Матч прошел в Астане, в полуфинале китайская сборная сыграет с Японией.", "ru"),
        ("Шыңжаңнан келген циклон шығыс өңірлерге қар әкеледі",
         "Синоптиктердің болжамынша, Шыңжаңнан келген циклон ауа райын күрт өзгертеді. "
         "Қар жауып, боран соғады, аяз 25 градусқа жетеді. Қазгидромет дауылды ескертті.", "kk"),
    ],
)
def test_china_as_an_opponent_or_a_weather_source_is_no_china_news(
        title: str, text: str, lang: str) -> None:
    d = classify(title, text, lang)
    assert not d.china and not d.relevant


def test_holiday_marches_and_railway_markers_are_no_protests() -> None:
    march = classify("В Петропавловске прошло шествие «Бессмертного полка»",
                     "В День Победы по центру города прошло шествие Бессмертного полка. "
                     "Ветераны возложили цветы к Вечному огню, затем начался праздничный "
                     "концерт. Участники шествия несли портреты.", "ru")
    assert not march.protest
    rails = classify("Ремонт пути", "Путеукладчики начнут с 1320-го километра, пикет 4.", "ru")
    assert not any(m.concept == "protest" for m in rails.matches)
    picket = classify("", "На пикете у консульства стояли женщины, пикеты идут неделю.", "ru")
    assert {"пикете", "пикеты"} <= {m.term for m in picket.matches if m.concept == "protest"}


def test_every_relevant_decision_has_a_topic() -> None:
    d = classify("Митинг у консульства", "Около двадцати человек провели пикет у "
                 "консульства Китая. Они требуют ответов.", "ru")
    assert d.relevant and d.topics


def test_latin_kazakh_article_with_buried_owner() -> None:
    text = ("Qostanaı oblysyndağy auyl tūrğyndary jaña ferma qūrylysyna qarsy petıtsııağa "
            "qol jınady.\n\nFermany salatyn kompanııanyñ ınvestory — Qytaıdyñ agroholdıñi. "
            "Tūrğyndar ıis pen jerasty suynyñ lastanuyna alañdaıdy.\n\nAudan äkimi "
            "qoğamdyq tyñdau ötkiziletinin aıtty.\n\nSuret: äkimdiktiñ baspasöz qyzmeti")
    d = classify("Auyl tūrğyndary fermağa qarsy petıtsııa jınady", text, "kk")
    assert d.relevant and "pollution" in d.topics


SNAPSHOT_ARTICLES = None


def _snapshot_articles() -> list[dict]:
    from monitor.registry import Registry
    from monitor.snapshot import load_sources

    global SNAPSHOT_ARTICLES
    if SNAPSHOT_ARTICLES is None:
        SNAPSHOT_ARTICLES = [a for s in load_sources(Registry.load()) for a in s.articles]
    return SNAPSHOT_ARTICLES


def test_every_recorded_snapshot_article_keeps_its_label() -> None:
    """The recorded articles (snapshot/outlets/*.yaml) go through language ID and the
    classifier as the crawl would: relevant exactly when labelled china_protest."""
    from monitor.process import analyze

    wrong = []
    for article in _snapshot_articles():
        text = "\n".join(([article["lead"]] if article.get("lead") else []) + article["body"])
        _, decision = analyze(article["title"], text)
        if decision.relevant != (article["label"] == "china_protest"):
            wrong.append(f"{article['url']} ({article['label']}, score {decision.score})")
        elif decision.relevant and not decision.topics:
            wrong.append(f"{article['url']} is relevant without a topic")
    assert len(_snapshot_articles()) >= 100
    assert not wrong, "snapshot articles classified against their label:\n" + "\n".join(wrong)
