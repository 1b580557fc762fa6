import gzip

import pytest

from monitor.discover import DiscoveryError, listing_links, maybe_gunzip, parse_feed, parse_sitemap

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>https://tengrinews.kz/news/a-1/</link>
<pubDate>Tue, 03 Sep 2019 08:05:00 GMT</pubDate></item>
<item><title>Two</title><guid>https://tengrinews.kz/news/b-2/</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><title>A</title>
<link rel="alternate" href="/a/1.html"/><published>2021-02-01T10:00:00+06:00</published></entry>
</feed>"""

RDF = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<item rdf:about="https://www.dw.com/ru/x/a-1"><title>X</title><link>https://www.dw.com/ru/x/a-1</link>
<dc:date>2022-01-05T12:00:00Z</dc:date></item></rdf:RDF>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://x.kz/s/news.xml</loc><lastmod>2026-11-28T10:00:00+05:00</lastmod></sitemap>
<sitemap><loc>https://x.kz/s/2019-09.xml</loc></sitemap></sitemapindex>"""

NEWS = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://x.kz/news/a-1/</loc><news:news><news:publication_date>2019-09-03T14:05:00+06:00</news:publication_date>
<news:title>Headline</news:title></news:news></url></urlset>"""


def test_rss_links_dates_and_guid_fallback() -> None:
    links = parse_feed(RSS, "https://tengrinews.kz/news.rss")
    assert [lk.url for lk in links] == ["https://tengrinews.kz/news/a-1/", "https://tengrinews.kz/news/b-2/"]
    assert links[0].published.isoformat() == "2019-09-03T08:05:00+00:00"
    assert links[0].title == "One" and links[1].published is None


def test_atom_relative_links_and_rdf() -> None:
    assert parse_feed(ATOM, "https://www.rferl.org/api/x")[0].url == "https://www.rferl.org/a/1.html"
    rdf = parse_feed(RDF, "https://rss.dw.com/rdf/rss-ru-all")
    assert rdf[0].url == "https://www.dw.com/ru/x/a-1" and rdf[0].published.year == 2022


def test_sitemap_index_and_news_urlset() -> None:
    index = parse_sitemap(INDEX, "https://x.kz/sitemap.xml")
    assert index.kind == "index" and len(index.entries) == 2
    assert index.entries[0].published.utcoffset().total_seconds() == 5 * 3600
    news = parse_sitemap(NEWS, "https://x.kz/s/news.xml")
    assert news.kind == "urlset" and news.entries[0].title == "Headline"
    assert news.entries[0].published.isoformat() == "2019-09-03T14:05:00+06:00"


def test_gzipped_sitemap_and_bomb_refused() -> None:
    assert parse_sitemap(gzip.compress(NEWS), "https://x.kz/s.xml.gz").kind == "urlset"
    bomb = gzip.compress(b"<urlset>" + b" " * (3 * 1024 * 1024) + b"</urlset>")
    with pytest.raises(DiscoveryError, match="inflates"):
        maybe_gunzip(bomb, limit=1024 * 1024)


@pytest.mark.parametrize("body", [b"", b"<html><body>not a feed</body></html>", b"\x00\x01garbage"])
def test_malformed_feeds_raise_a_named_error(body: bytes) -> None:
    with pytest.raises(DiscoveryError):
        parse_feed(body, "https://x.kz/rss")


def test_entities_are_neither_expanded_nor_fetched(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = f"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>
<rss><channel><item><title>&x;</title><link>https://x.kz/a-1/</link></item></channel></rss>""".encode()
    links = parse_feed(xxe, "https://x.kz/rss")
    assert all("TOP-SECRET" not in (lk.title or "") for lk in links)
    laughs = b"""<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>
<rss><channel><item><title>&e;</title><link>https://x.kz/a-2/</link></item></channel></rss>"""
    links = parse_feed(laughs, "https://x.kz/rss")
    assert all(len(lk.title or "") < 1000 for lk in links)


def test_listing_links_are_absolute_and_distinct() -> None:
    html = b'<html><body><a href="/news/a-1/">A</a><a href="/news/a-1/">A</a>' \
           b'<a href="#top">x</a><a href="javascript:void(0)">y</a><a href="https://o.kz/">o</a></body></html>'
    assert listing_links(html, "https://tengrinews.kz/news/page/1/") == [
        "https://tengrinews.kz/news/a-1/", "https://o.kz/"]


def test_a_link_urllib_refuses_is_passed_over_and_the_rest_read() -> None:
    feed = (b'<rss version="2.0"><channel>'
            b"<item><link>https://[broken/kazakhstan_news/a-1/</link></item>"
            b"<item><link>https://tengrinews.kz/kazakhstan_news/b-2/</link></item>"
            b"</channel></rss>")
    assert [lk.url for lk in parse_feed(feed, "https://tengrinews.kz/news.rss")] == [
        "https://tengrinews.kz/kazakhstan_news/b-2/"]
    sitemap = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               b"<url><loc>http://[::1/x</loc></url>"
               b"<url><loc>https://tengrinews.kz/kazakhstan_news/c-3/</loc></url></urlset>")
    assert [e.url for e in parse_sitemap(sitemap, "https://tengrinews.kz/sitemap.xml").entries] == [
        "https://tengrinews.kz/kazakhstan_news/c-3/"]
    listing = b'<html><body><a href="//[bad/x">x</a><a href="/kazakhstan_news/d-4/">d</a></body></html>'
    assert listing_links(listing, "https://tengrinews.kz/news/") == [
        "https://tengrinews.kz/kazakhstan_news/d-4/"]


def test_gzip_magic_without_a_gzip_stream_is_a_discovery_error() -> None:
    body = b"\x1f\x8b<rss version=\"2.0\"><channel></channel></rss>"
    for parse in (parse_feed, parse_sitemap):
        with pytest.raises(DiscoveryError, match="corrupt gzip"):
            parse(body, "https://tengrinews.kz/news.rss")


def test_a_surrogate_character_reference_does_not_stop_the_links() -> None:
    for ref in (b"&#xD800;", b"&#55296;", b"&#xdfff;"):
        body = (b'<urlset xmlns="' + ref + b'http://www.sitemaps.org/schemas/sitemap/0.9">'
                b"<url><loc>https://tengrinews.kz/kazakhstan_news/a-1/</loc></url></urlset>")
        try:
            sitemap = parse_sitemap(body, "https://tengrinews.kz/sitemap.xml")
        except DiscoveryError:
            continue  # refused by name is fine; any other exception is not
        assert [e.url for e in sitemap.entries] in ([], ["https://tengrinews.kz/kazakhstan_news/a-1/"])
    feed = b'<rss version="2.0"><channel><item><title>A &#xD83D; B</title>' \
           b"<link>https://tengrinews.kz/kazakhstan_news/b-2/</link></item></channel></rss>"
    links = parse_feed(feed, "https://tengrinews.kz/news.rss")
    assert [lk.url for lk in links] == ["https://tengrinews.kz/kazakhstan_news/b-2/"]
    assert links[0].title == "A \ufffd B"
