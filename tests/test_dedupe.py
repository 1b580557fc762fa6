from monitor.dedupe import (
    distance,
    fingerprint,
    is_near_duplicate,
    normalize,
    overlap,
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
