"""URL canonicalisation: the many addresses of one article collapse; distinct articles stay apart."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls as hypothesis_urls

from scraper.extraction.metadata import find_canonical, read_metadata
from scraper.extraction.parse import parse_html
from scraper.extraction.urls import canonical_url, same_site, url_forms, url_key

ART = "https://news.example/world/2026/story"


@pytest.mark.parametrize("variant", [
    "HTTPS://News.Example/world/2026/story",
    "https://news.example:443/world/2026/story",
    "https://news.example./world/2026/story",
    "https://news.example/world/2026/story#comments",
    "https://news.example/world/2026/story?utm_source=rss&utm_medium=feed&utm_campaign=x&utm_term=t",
    "https://news.example/world/2026/story?fbclid=IwAR0abc&gclid=EAIa&mc_cid=1a2b&mc_eid=3c",
    "https://news.example/world/2026/story?mod=hp_lead_pos1",  # WSJ-style section tracking
    "https://news.example/world/2026/story?cmpid=rss&ocid=msn&icid=x&xtor=RSS-1",
    "https://news.example/world/2026/story?amp",
    "https://news.example/world/2026/story?amp=1",
    "https://news.example/world/2026/story?outputType=amp",
])
def test_variants_of_one_address_have_one_canonical_form(variant):
    assert canonical_url(variant) == ART


def test_parameters_that_name_the_resource_are_kept_and_sorted():
    assert canonical_url("https://news.example/a?b=2&id=7&utm_source=x") == "https://news.example/a?b=2&id=7"
    assert canonical_url("https://news.example/a?page=2") != canonical_url("https://news.example/a?page=3")
    assert canonical_url("http://news.example:8080/a") == "http://news.example:8080/a"
    assert canonical_url("/a?utm_source=x", base="https://news.example/b/") == "https://news.example/a"


@pytest.mark.parametrize("variant", [
    ART + "/", ART + "/amp", ART + "/amp/", "https://news.example/amp/world/2026/story",
    ART + ".amp", "https://news.example/world/2026/story?amp=1#x",
])
def test_amp_path_markers_and_trailing_slashes_share_one_key(variant):
    assert url_key(variant) == url_key(ART) == ART


def test_key_keeps_extension_and_distinct_paths():
    assert url_key("https://news.example/a/story.amp.html") == "https://news.example/a/story.html"
    assert url_key("https://news.example/a/amplifier") == "https://news.example/a/amplifier"
    assert url_key("https://news.example/") == "https://news.example/"
    assert url_key("https://news.example/a/story-1") != url_key("https://news.example/a/story-2")


def test_host_variants_are_not_guessed_but_count_as_one_site():
    # m.example.com/x may live at www.example.com/x or elsewhere: only the page's canonical decides
    assert canonical_url("https://m.news.example/a") != canonical_url("https://www.news.example/a")
    assert same_site("https://m.news.example/a", "https://www.news.example/b")
    assert same_site("https://amp.news.example/a", "https://news.example/b")
    assert same_site("https://mobile.news.example/a", "https://news.example/b")
    assert not same_site("https://news.example/a", "https://other.example/a")


@pytest.mark.parametrize("fetched, declared", [
    ("https://m.news.example/world/story", '<link rel="canonical" href="https://www.news.example/world/story">'),
    ("https://amp.news.example/world/story", '<link rel="canonical" href="https://www.news.example/world/story">'),
    ("https://www.news.example/world/story/amp/", '<meta property="og:url" content="https://www.news.example/world/story">'),
])
def test_a_mobile_or_amp_page_naming_its_canonical_is_that_article(fetched, declared):
    html = f"<html><head>{declared}</head><body><p>Text.</p></body></html>"
    root = parse_html(html)
    assert find_canonical(root, read_metadata(root), fetched) == "https://www.news.example/world/story"


def test_url_forms_lists_raw_canonical_and_key_once_each():
    raw = "https://News.example/world/story/?utm_source=x"
    assert url_forms(raw) == [raw, "https://news.example/world/story/", "https://news.example/world/story"]
    assert url_forms("https://news.example/a") == ["https://news.example/a"]
    assert url_forms("  ") == []


@pytest.mark.parametrize("junk", ["", "   ", "http://[::1", "http://x:99999/a", "mailto:a@b", "javascript:void(0)",
                                  "http://%zz/", "http://exa mple.com/a b", "\x00", "https://[fe80::1]:8443/a?amp"])
def test_junk_never_raises(junk):
    assert isinstance(canonical_url(junk), str)
    assert isinstance(url_key(junk), str)


def _query_values():
    return st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@st.composite
def messy_urls(draw):
    base = draw(hypothesis_urls())
    params = draw(st.lists(st.tuples(
        st.sampled_from(["utm_source", "fbclid", "id", "page", "amp", "mod", "q", "UTM_Medium", "x"]),
        _query_values()), max_size=4))
    query = "&".join(f"{k}={v}" for k, v in params)
    suffix = draw(st.sampled_from(["", "/", "/amp", ".amp", "/amp/", "#frag"]))
    sep = "&" if "?" in base else "?"
    return base + suffix + (sep + query if query else "")


@settings(max_examples=400, deadline=None)
@given(st.one_of(messy_urls(), st.text(max_size=60)))
def test_canonicalisation_is_idempotent_and_never_raises(url):
    once = canonical_url(url)
    assert canonical_url(once) == once
    key = url_key(url)
    assert url_key(key) == key
    assert url_key(once) == key
