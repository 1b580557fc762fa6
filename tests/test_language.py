"""Language stage: Kazakh in three scripts, its Cyrillic neighbours, hints, never raising."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.language import LanguageResult, detect_language, normalize_hint

KK_CYRL = (
    "Алматыдағы Қытай консулдығы алдында Шыңжаңдағы туыстарын іздеген қазақтар пикетке "
    "шықты. Наразылық білдірушілер жақындарын босатуды талап етті."
)
KK_LATN_2018 = (
    "Almatydaǵy Qytaı konsýldyǵy aldynda Shyńjańdaǵy týystaryn izdegen qazaqtar pıketke "
    "shyqty. Narazylyq bildirýshiler jaqyndaryn bosatýdy talap etti."
)
KK_LATN_2021 = (
    "Almatıdağı Qıtay konsuldığı aldında Şıñjañdağı tuıstarın izdegen qazaqtar piketke "
    "şıqtı. Narazılıq bildiruşiler jaqındarın bosatudı talap etti."
)
KK_LATN_2017 = (
    "Almatydag'y Qytai konsuldyg'y aldynda S'yn'jan'dag'y tuystaryn izdegen qazaqtar piketke "
    "s'yqty. Narazylyq bildirus'iler jaqyndaryn bosatudy talap etti."
)
KK_LATN_INFORMAL = (
    "Almatydagy Qytai konsuldygy aldynda Shynzhangdagy tuystaryn izdegen qazaqtar piketke "
    "shyqty. Narazylyk bildirushiler zhakyndaryn bosatudy talap etti."
)
KK_ARAB = (
    "الماتىداعى قىتاي كونسۋلدىعى الدىندا شىنجاڭداعى تۋىستارىن ىزدەگەن قازاقتار پيكەتكە "
    "شىقتى. نارازىلىق ٴبىلدىرۋشىلەر جاقىندارىن بوساتۋدى تالاپ ەتتى."
)
RU = (
    "Жители Жанаозена вышли на митинг против строительства китайского завода. По словам "
    "участников акции, предприятие будет загрязнять воду, а власти не провели слушаний."
)
RU_WITH_KAZAKH_PLACE = RU + " Похожая акция прошла в Қарағанды."
EN = (
    "Hundreds of people took to the streets of Zhanaozen on Monday to protest against plans "
    "to relocate Chinese factories to Kazakhstan, local media reported."
)
KY = (
    "Кыргызстандын Кытай менен чек арасында жер талашы боюнча митинг өттү. Жергиликтүү "
    "тургундар кытайлык компанияга каршы чыгышты."
)
OTHER_CYRILLIC = {
    "uk": "Уряд України обговорив торгівлю з Китаєм. Протестувальники зібралися біля будівлі "
    "парламенту в Києві.",
    "bg": "Българското правителство обсъди търговията с Китай. Протестиращите се събраха пред "
    "сградата на парламента в София.",
    "mn": "Монгол Улсын Засгийн газар Хятадтай хийсэн гэрээний талаар мэдээлэл өгөв. Иргэд "
    "уурхайн эсрэг жагсаал хийсэн байна.",
    "tg": "Ҳукумати Тоҷикистон бо Хитой дар бораи сохтмони корхонаи нав шартнома имзо кард. "
    "Сокинони маҳаллӣ норозигӣ изҳор карданд.",
    "be": "Урад Беларусі абмеркаваў гандаль з Кітаем. Пратэстоўцы сабраліся каля будынка "
    "парламента ў Мінску.",
    "sr": "Влада Србије разговарала је о трговини са Кином. Демонстранти су се окупили испред "
    "зграде парламента у Београду.",
}


@pytest.mark.parametrize(
    ("text", "lang", "script"),
    [
        (KK_CYRL, "kk", "Cyrl"),
        (KK_LATN_2018, "kk", "Latn"),
        (KK_LATN_2021, "kk", "Latn"),
        (KK_LATN_2017, "kk", "Latn"),
        (KK_LATN_INFORMAL, "kk", "Latn"),
        (KK_ARAB, "kk", "Arab"),
        (RU, "ru", "Cyrl"),
        (RU_WITH_KAZAKH_PLACE, "ru", "Cyrl"),
        (EN, "en", "Latn"),
        (KY, "ky", "Cyrl"),
    ],
)
def test_long_texts(text: str, lang: str, script: str) -> None:
    result = detect_language(text)
    assert (result.lang, result.script) == (lang, script), result.evidence


@pytest.mark.parametrize(("lang", "text"), sorted(OTHER_CYRILLIC.items()))
def test_other_cyrillic_languages_are_not_kazakh_or_russian(lang: str, text: str) -> None:
    assert detect_language(text).lang == lang


@pytest.mark.parametrize(
    ("title", "lang"),
    [
        ("Қытай компаниясы Ақтөбеде зауыт салады", "kk"),
        ("Qytaı kompanııasy Aqtóbede zaýyt salady", "kk"),
        ("Almatıda Qıtay konsuldığı aldında piket ötti", "kk"),
        ("В Алматы прошёл пикет у консульства КНР", "ru"),
        ("Protesters rally outside Chinese consulate in Almaty", "en"),
    ],
)
def test_titles(title: str, lang: str) -> None:
    assert detect_language("", title=title).lang == lang


def test_hint_breaks_a_tie_but_does_not_overrule_the_text() -> None:
    assert detect_language(KK_CYRL, hints=["ru-RU"]).lang == "kk"
    assert any("ignored" in e for e in detect_language(KK_CYRL, hints=["ru-RU"]).evidence)
    agreed = detect_language(RU, hints=["ru"])
    assert agreed.lang == "ru" and any("agrees" in e for e in agreed.evidence)


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("ru-RU", "ru"), ("kk_KZ", "kk"), ("kz", "kk"), ("en", "en"), ("", ""), ("x-klingon", "")],
)
def test_normalize_hint(hint: str, expected: str) -> None:
    assert normalize_hint(hint) == expected


@pytest.mark.parametrize("junk", ["", "   ", "😀😀😀", "\x00\x01\ud800", "12345", "ab"])
def test_junk_is_undetermined(junk: str) -> None:
    assert detect_language(junk).lang == "und"


def test_deterministic() -> None:
    assert len({detect_language(KK_LATN_2018) for _ in range(5)}) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.text(max_size=60))
def test_never_raises(text: str, title: str) -> None:
    result = detect_language(text, title=title, hints=[title])
    assert isinstance(result, LanguageResult)
    assert result.script in {"Cyrl", "Latn", "Arab", "other"}
    assert 0.0 <= result.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("ئۇيغۇر ئاپتونوم رايونىدا يېڭى مەكتەپ ئېچىلدى، ئوقۇغۇچىلار ئۈچۈن", "ug"),
        ("O'zbekiston va Xitoy o'rtasidagi savdo hajmi o'tgan yili oshdi, deb xabar berdi "
         "vazirlik.", "uz"),
        ("Türkiye ile Çin arasındaki ticaret hacmi geçen yıl önemli ölçüde arttı.", "tr"),
        ("Ўзбекистон ва Хитой ўртасидаги савдо ҳажми ўтган йили ошди.", "uz"),
        ("Правителството одобри бюджета за следващата година", "bg"),
        ("Дар Душанбе мактаби нав кушода шуд", "tg"),
        ("Өскемен: жители требуют чистого воздуха", "ru"),
        ("Jańaózen protesters meet Aqtóbe governor", "en"),
    ],
)
def test_neighbours_and_hard_cases(text: str, lang: str) -> None:
    assert detect_language(text).lang == lang


def test_unsure_detector_takes_a_plausible_hint() -> None:
    result = detect_language("", title="Атырауда митинг болды", hints=["kk-KZ"])
    assert result.lang == "kk"
