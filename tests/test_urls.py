from monitor.urls import canonicalize


def test_tracking_fragment_scheme_and_order_are_normalised() -> None:
    a = canonicalize("HTTP://Tengrinews.kz/news/x-1/?utm_source=tg&b=2&a=1#comments")
    assert a == "https://tengrinews.kz/news/x-1/?a=1&b=2"
    assert canonicalize("https://www.bbc.com/russian/news-12345678?at_medium=RSS&at_campaign=rss") \
        == "https://www.bbc.com/russian/news-12345678"


def test_hosts_stay_distinct_and_unicode_is_encoded() -> None:
    assert canonicalize("https://rus.azattyq.org/a/1.html") != canonicalize("https://www.azattyq.org/a/1.html")
    assert canonicalize("https://kaz.tengrinews.kz/жаңалық-5/") == \
        canonicalize("https://kaz.tengrinews.kz/%D0%B6%D0%B0%D2%A3%D0%B0%D0%BB%D1%8B%D2%9B-5/")


def test_idempotent() -> None:
    url = "http://Example.org:80/a/b?z=1&utm_medium=x&a=%7E"
    assert canonicalize(canonicalize(url)) == canonicalize(url)
