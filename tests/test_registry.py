import re
from pathlib import Path

import pytest

from monitor.registry import Registry, RegistryError, UnknownOutlet

GOOD = """
key = "demo"
name = "Demo"
homepage = "https://demo.kz/"
article_url = '^https://(ru\\.|kk\\.)?demo\\.kz/news/\\d+/$'
[[editions]]
lang = "ru"
url_prefixes = ["https://ru.demo.kz/"]
feeds = ["https://ru.demo.kz/rss"]
[[editions]]
lang = "kk"
url_prefixes = ["https://kk.demo.kz/"]
listings = ["https://kk.demo.kz/news?page={page}"]
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "demo.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_bundled_registry_loads_with_the_first_outlets(registry: Registry) -> None:
    for key in ("tengrinews", "azattyq", "rferl", "eurasianet"):
        assert key in registry
    tengri = registry.get("tengrinews")
    assert tengri.languages == ["ru", "kk", "en"]
    assert tengri.edition_for("https://kaz.tengrinews.kz/news/x-1/").lang == "kk"
    assert tengri.edition_for("https://tengrinews.kz/news/x-1/").lang == "ru"
    assert registry.get("azattyq").overrides.body_selector  # inherited from the Pangea profile


def test_article_pattern_and_ownership(tmp_path: Path) -> None:
    outlet = Registry.load(write(tmp_path, GOOD)).get("demo")
    assert outlet.is_article_url("https://kk.demo.kz/news/12/")
    assert not outlet.is_article_url("https://kk.demo.kz/news/?page=2")
    assert outlet.owns("https://ru.demo.kz/anything") and not outlet.owns("https://evil.kz/")
    assert set(outlet.domains) == {"ru.demo.kz", "kk.demo.kz"}


@pytest.mark.parametrize(
    "change, message",
    [
        (("lang = \"ru\"", "lang = \"kk\""), "duplicate edition languages"),
        (("key = \"demo\"", "key = \"Demo!\""), "lower-case"),
        (("name = \"Demo\"", "name = \"Demo\"\ncolour = \"red\""), "unknown field(s) colour"),
        (("{page}", "N"), "needs a {page} placeholder"),
        (("name = \"Demo\"", "name = \"Demo\"\nstatus = \"blocked\""), "needs a status_reason"),
        (("name = \"Demo\"", "name = \"Demo\"\ntimezone = \"Mars/Base\""), "unknown time zone"),
    ],
)
def test_bad_entries_name_the_problem(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(RegistryError, match=re.escape(message)):
        Registry.load(write(tmp_path, GOOD.replace(*change, 1)))


def test_unknown_outlet_lists_keys(registry: Registry) -> None:
    with pytest.raises(UnknownOutlet, match="monitor outlets"):
        registry.get("nope")
