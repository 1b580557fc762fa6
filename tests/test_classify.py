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


# --- error classes found on held-out articles (issue 4, second round) --------------------------
# Short probe articles written for these tests (not taken from any eval file), several phrasings
# per class in Russian, Kazakh (both scripts) and English, each with its hard negative.


def _label(title: str, paragraphs: list[str] | str, lang: str) -> str:
    from monitor.evaluate import predicted_label

    text = paragraphs if isinstance(paragraphs, str) else "\n\n".join(paragraphs)
    return predicted_label(classify(title, text, lang))


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        ("Акимат Карасайского района ответил на обращение жителей села Береке",
         ["В акимат поступило коллективное обращение жителей села Береке по поводу работы "
          "асфальтобетонного завода ТОО «Жолстрой-Азия». Учредителем предприятия является "
          "компания из Синьцзяна.",
          "Сообщаем, что департамент экологии провел внеплановую проверку. Предприятию выданы "
          "предписания по установке пылеулавливающего оборудования.",
          "Пресс-служба акимата Карасайского района"], "ru"),
        ("Акимат Экибастуза: замечания жителей по углехимическому заводу учтены",
         ["Акимат опубликовал ответ на вопросы, которые жители задали на общественных "
          "слушаниях по проекту завода. Проект реализует ТОО, 100% доли которого принадлежит "
          "компании из Шаньдуна.",
          "На слушаниях жители высказывали опасения по поводу выбросов. Санитарно-защитная зона "
          "будет расширена до 1000 метров."], "ru"),
        ("Аудан әкімдігі тұрғындардың ұжымдық хатына жауап берді",
         ["Әкімдік Қарасу ауылы тұрғындарының ұжымдық хатына жауап жариялады. Тұрғындар "
          "цемент зауытынан шығатын шаңға шағымданған еді. Зауыттың құрылтайшысы – қытайлық "
          "компания.",
          "Экология департаменті тексеру жүргізіп, кәсіпорынға нұсқама берген."], "kk"),
        ("Zauyt basşylyğy tūrğyndarmen kezdesti",
         ["Qytai investorynyñ qarajatyna salynğan sement zauytynyñ basşylyğy Şieli auylynyñ "
          "tūrğyndarymen kezdesti. Tūrğyndar būğan deiin audan äkimdigine şañ men şu turaly "
          "birneşe ret şağym tüsirgen edi.",
          "Kompaniia jaña süzgilerdi küzge deiin ornatuğa uäde berdi."], "kk"),
        ("Statement by the Zhambyl district akimat on residents' complaints",
         ["The akimat has reviewed the complaints sent by residents of Kogaly village about "
          "dust from the quarry operated by Tas-Invest LLP, whose sole founder is a company "
          "registered in Urumqi.",
          "The company has been ordered to install a dust-suppression system.",
          "(Translated from Kazakh.)"], "en"),
        ("Press release: CNPC subsidiary addresses Kenkiyak residents' questions",
         ["An oilfield operator majority-owned by CNPC said it would cut gas flaring after "
          "residents of two villages sent a joint letter to the regional akim complaining of "
          "the smell.",
          "The akimat said it had forwarded the residents' letter to the ecology department."],
         "en"),
    ],
)
def test_official_statement_answering_residents_is_contestation(title, text, lang) -> None:
    """The residents' complaint, letter or hearing is why the statement exists."""
    assert _label(title, text, lang) == "china_protest"


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        ("Акимат: в Таразе запущен завод китайской компании",
         ["Пресс-служба акимата сообщает о вводе в эксплуатацию завода листового стекла, "
          "учредителем которого является китайская компания.",
          "Завод создал 300 рабочих мест для жителей региона. Общественные слушания по проекту "
          "прошли в 2022 году."], "ru"),
        ("Қытайлық компания Шымкентте жаңа зауыт ашты",
         "Облыс әкімдігінің хабарлауынша, қытайлық компанияның шина зауыты іске қосылды. "
         "Кәсіпорында 450 адам жұмыс істейді, олардың басым бөлігі – жергілікті тұрғындар.", "kk"),
        ("Company statement: first line of Chinese-built glass plant launched",
         ["Tau Glass LLP, a subsidiary of a Chinese glassmaker, announced that its plant near "
          "Taraz has started operating. The plant employs 300 residents of the region.",
          "A public hearing on the project was held in 2022."], "en"),
    ],
)
def test_statement_on_a_chinese_plant_without_complaints_is_not_contestation(
        title, text, lang) -> None:
    assert _label(title, text, lang) == "china_other"


def test_residents_appeal_weighs_as_a_protest_word_only_with_the_residents() -> None:
    with_residents = classify("", "Жители села направили жалобу в акимат.", "ru")
    alone = classify("", "Жалоба будет рассмотрена в течение месяца.", "ru")
    weight = {d: max(m.weight for m in d.matches if m.concept == "protest")
              for d in (with_residents, alone)}
    assert weight[with_residents] > weight[alone]
    # a word that is a grievance only in the residents' mouth counts only there
    assert not any(m.concept == "protest"
                   for m in classify("", "The letters date from 1969.", "en").matches)


_QUARRY_FEATURE = [
    "Утром в Кызылжаре слышно только собак и трактор. Село стоит в сорока километрах от "
    "районного центра, почти все держат скот.",
    "Школа в селе одна, в прошлом году в первый класс пошли одиннадцать детей. Молодые "
    "уезжают в Караганду и Астану.",
    "Дорогу до трассы асфальтировали еще в советское время. Весной она превращается в кашу.",
    "Два года назад в пяти километрах от села открыли щебеночный карьер. Его разрабатывает "
    "ТОО «Тас-Бесік», учредитель которого — компания, зарегистрированная в Урумчи.",
    "В марте около сотни жителей перекрыли грунтовую дорогу, по которой к карьеру ходят "
    "самосвалы, и не пускали технику два дня. От взрывов трескаются стены домов.",
    "Аким района приезжал в село, обещал комиссию. Результаты замеров жителям не показали.",
    "Летом в Кызылжаре играют свадьбы: в этом году их было шесть.",
    "Вечером скот возвращается с пастбищ, и село снова затихает.",
]


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        ("Дорога на Кызылжар: как живет село между степью и карьером", _QUARRY_FEATURE, "ru"),
        ("Соль земли: неделя в Аральском районе",
         ["Аральск встречает ветром и запахом рыбы. В городе снова работают коптильни.",
          "Рыбаки выходят в море затемно, улов уходит в Кызылорду.",
          "В поселке Жаксыкылыш соль добывают с советских времен. Три года назад солевые "
          "озера получила компания, основанная выходцем из Кашгара.",
          "Прошлой осенью жители поселка несколько дней пикетировали контору компании и "
          "собирали подписи против расширения разработок.",
          "Компания обещала высадить лесополосу, но половина саженцев засохла.",
          "Вечером в Аральске тихо, молодежь собирается на набережной."], "ru"),
        ("Тасты ауылының тынысы",
         ["Тасты ауылы тау етегінде орналасқан, негізгі кәсібі – мал шаруашылығы.",
          "Ауылда мектеп пен медпункт бар. Жастардың көбі қалаға кетіп қалған.",
          "Көктемде ауыл маңында тас карьері ашылды. Карьерді игеретін серіктестіктің "
          "құрылтайшысы – Үрімшіде тіркелген компания.",
          "Мамыр айында ауыл тұрғындары карьерге баратын жолды жауып, екі күн бойы техниканы "
          "өткізбеді.",
          "Аудан әкімі комиссия құрылатынын айтты.",
          "Кешке мал өрістен қайтады да, ауыл тынышталады."], "kk"),
        ("Özen boiyndağy auyl: bal, mal jäne kariyer",
         ["Qarabūlaq auyly özen jağasynda ornalasqan, köbi mal ösiredi.",
          "Auylda mektep pen feldşerlik punkt bar.",
          "Ötken jyly özenniñ joğarğy jağynda kariyer aşyldy. Kariyerdiñ iesi – körşi elden "
          "kelgen kompaniia, onyñ qūryltaişysy Qytai azamaty.",
          "Tamyz aiynda auyl tūrğyndary kariyerge qarsy petisiiağa qol jinap, audan "
          "äkimdiginiñ aldynda piketke şyqty.",
          "Küzde auyl tūrğyndary şöp jinap, qysqa dailanady."], "kk"),
        ("A river, a road and a quarry: summer in the foothills",
         ["The road to Saty climbs through apple orchards. The village lives on tourism.",
          "Guesthouses have multiplied since the lakes became famous on social media.",
          "The school has 140 pupils and needs a sports hall.",
          "Two years ago a company began crushing stone in a quarry above the village. Its "
          "founder is a businessman from Xinjiang, according to the company register.",
          "In June villagers blocked the road to the quarry for three days and picketed the "
          "district akimat, demanding that the quarry be closed.",
          "The district akim promised an inspection.",
          "In autumn the herds come down from the summer pastures."], "en"),
    ],
)
def test_contested_fact_in_the_middle_of_a_feature_about_a_chinese_founded_company(
        title, text, lang) -> None:
    d = classify(title, "\n\n".join(text), lang)
    assert d.relevant
    assert "xinjiang" not in d.topics  # Xinjiang is where the capital comes from, not the camps


def test_registered_abroad_without_a_protest_and_a_kazakh_owned_blockade() -> None:
    assert _label("Xinjiang traders return to Zharkent bazaar",
                  ["Traders from Xinjiang are back at the bazaar in Zharkent. Stalls sell fruit "
                   "and fabrics from Urumqi and Ghulja.",
                   "A company registered in Urumqi plans to open a warehouse near the town."],
                  "en") == "china_other"
    assert _label("Жители Шиели перекрыли дорогу к урановому руднику",
                  "Около двухсот жителей перекрыли дорогу к руднику, который разрабатывает "
                  "казахстанская компания, и потребовали проверить качество воды.",
                  "ru") == "protest_other"


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        ("Земля и вода: что изменилось для фермеров Атырауской области",
         ["Фермеры области выращивают бахчевые и держат скот. Главная проблема — вода.",
          "В 2015 году государство начало субсидировать капельное орошение.",
          "Весной 2016 года область оказалась в центре земельных протестов. Поправки в "
          "Земельный кодекс разрешали сдавать сельхозземли иностранцам в аренду на 25 лет, и "
          "в Атырау на митинг вышли сотни людей.",
          "Вскоре был объявлен мораторий, а в 2021 году аренда сельхозземель иностранцам была "
          "запрещена законом.",
          "Сегодня фермеров больше волнуют цены на солярку.",
          "Молодежь в село возвращается неохотно."], "ru"),
        ("Жер дауы: он жылда не өзгерді?",
         ["Ақтөбе облысының шаруалары егін егіп, мал өсіреді. Су тапшылығы басты мәселе.",
          "2016 жылдың көктемінде жүздеген адам Жер кодексіне енгізілген түзетулерге қарсы "
          "жиынға шықты. Түзетулер ауыл шаруашылығы мақсатындағы жерді шетелдіктерге 25 жылға "
          "жалға беруге мүмкіндік беретін еді.",
          "Көп ұзамай мораторий жарияланды.",
          "Бүгінде шаруалар субсидия мен несие туралы айтады.",
          "Ауыл жастары қалаға кетіп жатыр."], "kk"),
        ("2016 jylğy jer mitingteri: bes jyldan keiin",
         ["2016 jyly Atyrauda, Aqtöbede jäne Semeide adamdar Jer kodeksine engizilgen "
          "özgeristerge qarsy alañğa şyqty. Özgerister auyl şaruaşylyğy jerin şeteldikterge "
          "jalğa beruge jol aşatyn edi.",
          "Narazylyqtan keiin moratorii jariialandy.",
          "Bügin şarualar jer telimderin aluğa bailanysty tüitkilderdi aitady."], "kk"),
        ("Ten years of farmland politics in West Kazakhstan",
         ["Farmers around Uralsk grow wheat and graze cattle. Their complaints today are about "
          "diesel prices.",
          "In the 1990s collective farms were broken up and land shares handed out.",
          "In spring 2016 Uralsk joined Atyrau and Aktobe in rallies against amendments to the "
          "Land Code that would have allowed farmland to be leased to foreigners for 25 years. "
          "The government declared a moratorium and set up a land commission.",
          "Today the debate has moved on to water and old irrigation canals."], "en"),
    ],
)
def test_land_protest_episode_said_with_foreigners_in_a_feature(title, text, lang) -> None:
    d = classify(title, "\n\n".join(text), lang)
    assert d.relevant and "land" in d.topics


def test_land_code_news_without_a_protest_or_foreigners_is_not_china_news() -> None:
    assert _label("Земельный налог для фермеров повысят с 2027 года",
                  "Правительство одобрило поправки в Земельный кодекс: налог на неиспользуемые "
                  "сельхозземли вырастет в десять раз. Фермерские союзы просят отсрочку.",
                  "ru") == "other"
    # a rally against the Land Code is the land protest, foreigners named or not
    assert _label("Atyrauda Jer kodeksine qarsy miting ötti",
                  "Birneşe jüz adam alañğa şyqty. Olar auyl şaruaşylyğy jerin auksionda satudy "
                  "toqtatudy jäne moratorii engizudi talap etti.", "kk") == "china_protest"


@pytest.mark.parametrize(
    ("title", "text", "lang", "label"),
    [
        ("Прокуратура опротестовала выделение земли китайской компании",
         "Прокуратура области внесла протест на постановление акимата о предоставлении в "
         "аренду 120 гектаров ТОО, учредителем которого является гражданин КНР. Протест "
         "прокурора удовлетворен, постановление отменено.", "ru", "china_other"),
        ("Прокурор принес протест на решение маслихата о тарифах",
         "Прокуратура принесла протест на решение маслихата о плате за вывоз мусора. Протест "
         "внесен в связи с нарушением порядка расчета тарифа.", "ru", "other"),
        ("Прокуратура қытайлық компанияға жер беру туралы шешімге наразылық келтірді",
         "Облыс прокуратурасы қытайлық компанияның еншілес серіктестігіне жер беру туралы "
         "қаулыға наразылық келтірді. Прокурордың наразылығы қаралып, қаулының күші жойылды.",
         "kk", "china_other"),
        ("Prokuratura qytailyq kompaniiağa berilgen rūqsatqa narazylyq keltirdi",
         "Oblys prokuraturasy qytailyq kompaniiağa qūrylysqa rūqsat beru turaly äkimdik "
         "şeşimine narazylyq keltirdi. Prokurordyñ narazylyğy qanağattandyryldy.",
         "kk", "china_other"),
        ("Прокуратура опротестовала тарифы на тепло",
         "Прокуратура Павлодара принесла протест на приказ департамента о тарифах на тепло. "
         "Протест рассматривается.", "ru", "other"),
        ("Прокурор принес протест на решение маслихата", "Протест рассматривается.", "ru",
         "other"),
        ("Prosecutors challenge permit for Chinese-owned plant",
         "The prosecutor's office has filed a protest against the akimat's decision to issue "
         "a construction permit to a subsidiary of a Chinese company. The akimat must consider "
         "the prosecutor's protest within ten days.", "en", "china_other"),
        ("Prosecutors protest council decision on parking fees",
         "Prosecutors in Pavlodar lodged a protest against a decision of the city council that "
         "raised parking fees. The council will review the protest next week.", "en", "other"),
    ],
)
def test_a_prosecutors_protest_is_not_a_public_protest(title, text, lang, label) -> None:
    assert _label(title, text, lang) == label


def test_prosecutors_warning_a_rally_keeps_the_rally() -> None:
    assert _label("Prosecutors warn organisers of weekend rally",
                  "Prosecutors warned the organisers of a planned rally against utility prices "
                  "that it had not been authorised. The activists said they would hold the "
                  "rally anyway.", "en") == "protest_other"


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        ("Землетрясение в Синьцзяне ощутили жители Алматы",
         "Землетрясение магнитудой 5,8 произошло в Синьцзяне ночью. Эпицентр находился в 280 "
         "километрах от Алматы. Разрушений нет.", "ru"),
        ("Шыңжаңда болған жер сілкінісі Алматыда сезілді",
         "Жер сілкінісінің эпицентрі Қытайдың Шыңжаң өңірінде болған. Алматыда дүмпу 3 балға "
         "дейін сезілді.", "kk"),
        ("Şyñjañdağy jer silkinisi Almatyda sezildi",
         "Jer silkinisiniñ epitsentri Qytaidyñ Şyñjañ öñirinde bolğan. Almatyda dümpu sezildi.",
         "kk"),
        ("Quake in China's Xinjiang felt in Almaty",
         "A magnitude 6.1 earthquake struck Xinjiang early on Tuesday, with the epicentre about "
         "250 km east of Almaty. No damage was reported in Kazakhstan.", "en"),
        ("Cold front from Xinjiang to bring snow to eastern regions",
         "A cold front moving in from Xinjiang will bring snow to East Kazakhstan, Kazhydromet "
         "said.", "en"),
        ("Казахстанцы не могут вернуться из Сеула",
         "Около 150 пассажиров рейса Сеул — Алматы с пересадкой в Урумчи провели ночь в "
         "аэропорту.", "ru"),
        ("Kazakh students stuck after missed connection",
         "About 40 students returning from Seoul missed their connection after their flight "
         "via Urumqi landed three hours late.", "en"),
        ("Жолаушылар Сеулден Үрімші арқылы ұшып келді",
         "Сеул – Алматы рейсінің жолаушылары Үрімші арқылы ұшып, Алматыға кешігіп жетті.", "kk"),
    ],
)
def test_china_as_the_place_of_an_earthquake_or_a_stop_on_a_route_is_no_china_news(
        title, text, lang) -> None:
    assert _label(title, text, lang) == "other"


def test_flights_to_china_and_cargo_through_khorgos_stay_china_news() -> None:
    assert _label("Авиакомпания откроет рейсы из Астаны в Урумчи",
                  "С июня авиакомпания начнет выполнять рейсы из Астаны в Урумчи три раза в "
                  "неделю. Спрос растет из-за безвизового режима с Китаем.", "ru") == "china_other"
    assert _label("Қорғас арқылы жүк тасымалы артты",
                  "Қорғас арқылы Қытайдан келетін жүк көлемі бір жылда 20 пайызға өсті.",
                  "kk") == "china_other"


@pytest.mark.parametrize(
    ("title", "text", "lang", "label"),
    [
        ("Ақтөбеде пара алған шенеунік ұсталды",
         "Сыбайлас жемқорлыққа қарсы қызмет бөлім басшысын 5 миллион теңге пара алу кезінде "
         "ұстады. Шенеунікке қатысты қылмыстық іс қозғалды.", "kk", "other"),
        ("Қытайлық компаниядан пара алған инспектор ұсталды",
         "Сыбайлас жемқорлыққа қарсы қызмет қытайлық компаниядан пара алған кеден инспекторын "
         "ұстады. Заңға қарсы әрекеттер үшін ол 10 жылға дейін сотталуы мүмкін.",
         "kk", "china_other"),
        ("Pavlodarda para alğan polisei ūstaldy",
         "Sybailas jemqorlyqqa qarsy qyzmet polisei qyzmetkerin para alu kezinde ūstady. "
         "Polisei ūstaldy, oğan qatysty is qozğaldy.", "kk", "other"),
        ("Qytai azamatynan para alghan kedenshi ustaldy",
         "Qorgas kedendik beketinde Qytai azamatynan para alghan kedenshi ustaldy. Sybailas "
         "jemkorlykka karsy agenttik oghan katysty is kozgady.", "kk", "china_other"),
        ("Жаңа заң жол ережесін бұзушыларға қарсы шараларды күшейтеді",
         "Депутаттар жол ережесін бұзушыларға қарсы жаңа шараларды мақұлдады. Масаң күйде "
         "көлік жүргізгендер бірден ұсталады.", "kk", "other"),
        ("Президент Қытай делегациясын қарсы алды",
         "Президент Қытай Сыртқы істер министрі бастаған делегацияны қарсы алды. Тараптар "
         "сауда байланыстарын талқылады.", "kk", "china_other"),
        ("Алматыда Қытай консулдығы алдында пикетке шыққан үш адам ұсталды",
         "Шыңжаңдағы туыстарын босатуды талап етіп пикетке шыққан үш әйел ұсталды.",
         "kk", "china_protest"),
        ("Qytai jobalaryna qarsy mitingke şyqqan belsendiler ūstaldy",
         "Aqtöbede Qytai zauyttaryn köşiruge qarsy mitingke şyqqan on şaqty belsendi ūstaldy.",
         "kk", "china_protest"),
    ],
)
def test_a_detention_or_against_is_contestation_only_next_to_a_protest(
        title, text, lang, label) -> None:
    assert _label(title, text, lang) == label


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        ("На Шымкентском НПЗ произошла потасовка между местными и китайскими работниками",
         "На заводе, половина акций которого принадлежит китайской корпорации, произошла "
         "потасовка между работниками подрядчика и китайскими специалистами.", "ru"),
        ("На руднике в ВКО подрались местные и китайские рабочие",
         "На руднике компании с китайским капиталом подрались казахстанские и китайские "
         "рабочие. Несколько человек получили травмы.", "ru"),
        ("Қытайлық кеніште жергілікті және қытайлық жұмысшылар төбелесті",
         "Қытайлық компанияға тиесілі кеніште жергілікті жұмысшылар мен қытайлық қызметкерлер "
         "арасында төбелес болды.", "kk"),
        ("Qūrylys alañynda jūmysşylar tóbelesti",
         "Qytailyq merdigerdiñ qūrylys alañynda jergilikti jūmysşylar men qytailyq jūmysşylar "
         "arasynda töbeles boldy.", "kk"),
        ("Scuffle between Kazakh and Chinese workers at copper mine",
         "A scuffle broke out between Kazakh and Chinese workers at a copper mine owned by a "
         "Chinese company. Witnesses said the fight started over overtime pay.", "en"),
        ("Guards and workers brawl at Chinese-run refinery",
         "Several people were injured in a brawl between local workers and the security guards "
         "of a Chinese-run refinery.", "en"),
    ],
)
def test_a_fight_between_workers_at_a_chinese_site_is_labour_contestation(
        title, text, lang) -> None:
    d = classify(title, text, lang)
    assert d.relevant and "labour" in d.topics


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        ("Драка на свадьбе в Таразе: двое госпитализированы",
         "Массовая драка произошла на свадьбе в ресторане Тараза. Гости не поделили место за "
         "столом, в потасовке участвовали около десяти человек.", "ru"),
        ("Тойда төбелес шықты",
         "Мейрамханада өткен тойда қонақтар арасында төбелес болды. Екі адам ауруханаға түсті.",
         "kk"),
        ("Brawl at wedding party leaves two injured in Taraz",
         "A brawl broke out among guests at a wedding party in a Taraz restaurant. Police "
         "opened a hooliganism case.", "en"),
    ],
)
def test_a_brawl_at_a_wedding_is_no_protest(title, text, lang) -> None:
    assert _label(title, text, lang) == "other"


@pytest.mark.parametrize(
    ("title", "text", "lang", "label"),
    [
        ("Горняки рудника китайской компании отказались подниматься на поверхность",
         "Около 70 горняков рудника, принадлежащего китайской компании, вторые сутки "
         "отказываются подниматься на поверхность. Они требуют повысить зарплату.",
         "ru", "china_protest"),
        ("Рабочие китайского подрядчика остановили работу",
         "Более ста рабочих китайского подрядчика в Актау остановили работу и отказываются "
         "покидать площадку, пока им не выплатят долги.", "ru", "china_protest"),
        ("Кеншілер жер астынан шықпай отыр",
         "Қытайлық компанияға тиесілі кеніштің 50-ге жуық кеншісі екі тәуліктен бері жер "
         "астынан шықпай отыр.", "kk", "china_protest"),
        ("Qytaılyq kenishtiń kenshileri jer astynan shyqpaı otyr",
         "Qaraǵandy oblysyndaǵy qytaılyq kompanııaǵa tıesili kenishtiń 60 kenshisi jer astynan "
         "shyqpaı otyr.", "kk", "china_protest"),
        ("Қытайлық мердігердің жұмысшылары жұмысты тоқтатты",
         "Атырауда қытайлық мердігердің жүзден астам жұмысшысы жұмысты тоқтатып, жұмыс "
         "орнынан кетпей отыр.", "kk", "china_protest"),
        ("Miners at Chinese-owned mine refuse to come up",
         "Around 80 miners at a Chinese-owned copper mine have stayed underground for two days, "
         "refusing to come up until the company raises wages.", "en", "china_protest"),
        ("Workers at Chinese contractor stage sit-in over unpaid wages",
         "Dozens of workers employed by a Chinese contractor halted work and refused to leave "
         "the site camp until they are paid.", "en", "china_protest"),
        ("Горняки казахстанского рудника отказались подниматься на поверхность",
         "Около 40 горняков медного рудника, принадлежащего казахстанской компании, "
         "отказываются подниматься на поверхность и требуют повышения зарплаты.",
         "ru", "protest_other"),
        ("Отандық компанияның кеншілері жер астынан шықпай отыр",
         "Қазақстандық компанияға тиесілі мыс кенішінің 40 кеншісі жер астынан шықпай, "
         "жалақыны көтеруді сұрап отыр.", "kk", "protest_other"),
        ("Miners at Kazakh-owned mine stage underground sit-in",
         "Around 50 miners at a Kazakh-owned coal mine have refused to come up from the shaft, "
         "demanding a pay rise.", "en", "protest_other"),
    ],
)
def test_underground_sit_ins_and_work_stoppages(title, text, lang, label) -> None:
    assert _label(title, text, lang) == label


def test_roles_are_not_evidence_and_any_word_and_stop_spelling_work() -> None:
    d = classify("", "Около сотни жителей перекрыли грунтовую дорогу через Урумчи.", "ru")
    concepts = {m.concept for m in d.matches}
    assert not concepts & {"public", "via", "place"}  # roles shape the reading, no evidence
    legal = classify("Прокурор принес протест", "Протест рассмотрен.", "ru")
    assert not legal.matches  # nor are stops, a prosecutor's protest among them
    assert any(m.term == "перекрыли грунтовую дорогу" for m in d.matches)  # <w>: any one word
    # "жер асты~" is a stop (no land there), a longer entry that spells it out still matches
    miners = classify("", "Кеншілер жер астынан шықпай отыр.", "kk")
    assert [m.term for m in miners.matches if m.concept == "protest"] == ["жер астынан шықпай"]
    assert not any(m.concept == "land" for m in miners.matches)


def test_loader_rules_for_roles_and_any_word(tmp_path) -> None:
    from monitor.classify import LEXICON_DIR, LexiconError, _load

    for path in LEXICON_DIR.glob("*.tsv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    try:
        for line, message in (("public\tжители\t1", "a role-only entry takes no weight"),
                              ("protest\t<w> дорогу\t1", "a pattern cannot start with <w>")):
            (tmp_path / "ru.tsv").write_text(line + "\n")
            _load.cache_clear()
            with pytest.raises(LexiconError, match=f"ru.tsv:1: {message}"):
                _load(tmp_path)
    finally:
        _load.cache_clear()


# --- holdout2 error classes (2026-11-29): probes written for them, not taken from any eval set


@pytest.mark.parametrize(
    ("title", "text", "lang", "label"),
    [
        # a requirement is no demand; residents' demands still are
        ("Казахстан и Китай согласовали требования к экспорту льна",
         "Министерство сельского хозяйства и таможня КНР утвердили требования к качеству "
         "льняного семени, которое поставляется в Китай. Закон требует сертификата для "
         "каждой партии.", "ru", "china_other"),
        ("Жители потребовали закрыть китайский завод",
         "Около ста жителей Кентау собрались у акимата. Требования жителей — закрыть завод "
         "китайской компании, который, по их словам, отравляет воздух.", "ru", "china_protest"),
        ("Қытайға астық экспорттау талаптары бекітілді",
         "Қазақстан мен ҚХР бидай экспортына қойылатын фитосанитариялық талаптарды бекітті. "
         "Экспорттаушылар Қытай тізіліміне тіркелуі тиіс.", "kk", "china_other"),
        # a team's protest to the judges, a deal struck, bookings that rallied
        ("Федерация подала протест после этапа в Китае",
         "На этапе Гран-при в Китае сборная по фигурному катанию подала протест на оценку "
         "судей. Рефери протест отклонил, результаты соревнований не изменились.",
         "ru", "other"),
        ("Kazakhstan and China strike deal on rail tariffs",
         "Kazakhstan and China have struck a new deal on rail tariffs for grain, the transport "
         "ministry said. Exports to China have rallied sharply since the spring.",
         "en", "china_other"),
        ("Villagers rally against Chinese-owned smelter",
         "Around 200 villagers rallied outside the akimat on Monday against a smelter owned by "
         "a Chinese company, demanding that it be closed.", "en", "china_protest"),
        # a parliamentary debate against a picket at parliament
        ("Сенат жер қойнауы туралы заң жобасын қайтарды",
         "Сенаттың пленарлық отырысында жер қойнауы туралы заң жобасы қаралды. Екі сенатор "
         "құжаттың кейбір баптарына наразылық білдірді. Дауыс беруден кейін заң жобасы екінші "
         "оқылымға қайтарылды.", "kk", "other"),
        ("Ауыл тұрғындары қытайлық зауытқа қарсы наразылық білдірді",
         "Жүзге жуық тұрғын әкімдік алдына жиналып, қытайлық компанияның цемент зауытына "
         "қарсы наразылық білдірді. Депутат олардың өтінішін Мәжіліске жеткізетінін айтты.",
         "kk", "china_protest"),
    ],
)
def test_holdout2_false_friends_and_their_real_protests(title, text, lang, label) -> None:
    assert _label(title, text, lang) == label


@pytest.mark.parametrize(
    ("title", "text", "lang", "label"),
    [
        # China as an export market of a Kazakh-owned employer: a market, not an owner
        ("Рабочие цементного завода бастуют третий день",
         "Около 90 рабочих цементного завода в Шымкенте третий день не выходят на смены и "
         "требуют повысить зарплату. Компания экспортирует часть продукции в Китай и "
         "Узбекистан.", "ru", "protest_other"),
        ("Кеніш жұмысшылары жұмысқа шығудан бас тартты",
         "Отандық «Қарамола» ЖШС кенішінің 80 жұмысшысы жұмысқа шығудан бас тартты. "
         "Компания кенін Қытай мен Ресейге экспорттайды.", "kk", "protest_other"),
        ("Workers at a Chinese-owned cement plant refuse to start their shift",
         "About 70 workers at a cement plant owned by a company from Zhengzhou refused to start "
         "their shift on Monday, demanding the wages owed for March.", "en", "china_protest"),
        # streets and traffic blocked, shifts not worked
        ("В Таразе жители перекрыли улицу",
         "Около 50 жителей перекрыли улицу Толе би, требуя вернуть отопление в домах.",
         "ru", "protest_other"),
        ("Тұрғындар көшені жауып тастады",
         "Жетісай қаласының 40-қа жуық тұрғыны ауыз су жоқ деп көшені жауып тастады.",
         "kk", "protest_other"),
        ("Residents blocked a street in Kostanay over heating",
         "About 60 residents blocked a street in Kostanay for two hours, demanding that "
         "heating be restored.", "en", "protest_other"),
        ("Улицу Абая перекрыли на ремонт",
         "Акимат сообщил, что движение по улице Абая будет закрыто до 1 июня: подрядчик меняет "
         "трубы. Объезд организован по соседним улицам.", "ru", "other"),
        # placards and a meeting that turned into a protest
        ("Встреча с акимом переросла в протест",
         "Встреча жителей села с акимом района переросла в протест против китайского "
         "завода: люди подняли плакаты «Нет заводу».", "ru", "china_protest"),
        ("В музее открылась выставка советских плакатов",
         "В Алматы открылась выставка советских плакатов 1930-х годов из частной коллекции.",
         "ru", "other"),
    ],
)
def test_holdout2_markets_blockades_and_placards(title, text, lang, label) -> None:
    assert _label(title, text, lang) == label


@pytest.mark.parametrize(
    ("title", "text", "lang", "china"),
    [
        # a company tied to China makes its sentences China sentences; a city of China counts
        ("Ертіс арқылы жаңа көпір ашылды",
         "Павлодар облысында жаңа көпір пайдалануға берілді.\n\n"
         "Көпірдің бас мердігері – Шэньчжэньнен келген компания. Құрылысқа 500 адам қатысты.\n\n"
         "Жоба Қытай банкінің несиесі есебінен қаржыландырылды.\n\n"
         "Мердігер компания үш жыл бойы көпірге қызмет көрсетеді.", "kk", True),
        ("Новый мост открыли в Семее",
         "В Семее открыли новый мост.\n\nЕго построил казахстанский подрядчик, краны "
         "китайского производства арендовали в Алматы.\n\nДвижение откроют в субботу.",
         "ru", False),
        ("Контейнерный поезд из Чжэнчжоу прибыл в Алматы",
         "Первый контейнерный поезд из Чжэнчжоу доставил в Алматы 50 контейнеров с "
         "электроникой. Рейс занял 9 суток.", "ru", True),
        # Chinese banks and the yuan are China news; a tenge market wrap is not
        ("Юань и китайские банки в расчетах казахстанского бизнеса",
         "Доля расчетов в юанях растет. Китайские банки открывают счета казахстанским "
         "импортерам, юань становится второй валютой торговли с Китаем.", "ru", True),
        ("Тенге укрепился к доллару",
         "На торгах KASE тенге укрепился к доллару и евро, курс рубля и юаня почти не "
         "изменился. Нефть Brent подорожала на 1%.", "ru", False),
    ],
)
def test_holdout2_china_through_its_companies_cities_and_banks(title, text, lang, china) -> None:
    assert classify(title, text, lang).china is china


@pytest.mark.parametrize(
    ("title", "text", "lang", "label", "topic"),
    [
        # relatives of the detained who ask for help speak as residents do
        ("Туыстары Шыңжаңда хабарсыз кеткен отбасылар Президенттен көмек сұрады",
         "Шыңжаңда хабарсыз кеткен адамдардың 15 туысы Астанада журналистермен кездесіп, "
         "Президент әкімшілігінен көмек сұрады. Туыстар Сыртқы істер министрлігіне ортақ хат "
         "жолдағанын айтты.", "kk", "china_protest", "xinjiang"),
        ("Родственники задержанных в Синьцзяне просят помощи",
         "Родственники жителей Синьцзяна, задержанных в 2018 году, провели в Алматы "
         "пресс-конференцию и попросили помощи у МИД.", "ru", "china_protest", "xinjiang"),
        ("Акимат провел пресс-конференцию о новом автобусе из Китая",
         "На пресс-конференции акимат рассказал о новых автобусах китайского производства, "
         "которые выйдут на маршруты в мае.", "ru", "china_other", None),
        # a picket about a son sentenced in Xinjiang is a Xinjiang story; one about the
        # consulate's hiring is contestation of China in general
        ("Äke QHR konsuldyğy aldynda pıketke tūrdy",
         "Almatyda 70 jastağy äke QHR konsuldyğynyñ aldynda pıketke tūryp, Şyñjañda "
         "tūtqyndalğan ūlynyñ tağdyryn aıtudy talap etti.", "kk", "china_protest", "xinjiang"),
    ],
)
def test_holdout2_relatives_and_fallback_topics(title, text, lang, label, topic) -> None:
    d = classify(title, text, lang)
    assert _label(title, text, lang) == label
    if topic:
        assert topic in d.topics
    assert "pollution" not in d.topics  # Latin «ūlynyñ» (her son's) is not «улы» (toxic)


def test_toxic_in_cyrillic_kazakh_still_pollution() -> None:
    d = classify("Тұрғындар улы зауытқа қарсы шықты",
                 "Жүзге жуық тұрғын қытайлық компанияның улы зауытына қарсы әкімдік алдына "
                 "жиналды.", "kk")
    assert d.relevant and "pollution" in d.topics
