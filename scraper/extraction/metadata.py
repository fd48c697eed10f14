"""Page metadata: JSON-LD, <meta> tags and a few DOM signals, read from one parsed tree."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html  # type: ignore[import-untyped]

from scraper.extraction.dates import date_from_url, parse_date
from scraper.extraction.urls import canonical_url, same_site
from scraper.extraction.vocabulary import DATE_CLASS_TOKENS, GENERIC_BYLINES
from scraper.extraction.zones import is_hidden

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "techarticle",
    "liveblogposting", "report", "scholarlyarticle", "socialmediaposting", "posting", "review",
})
_PUBLISHED_META = (
    "article:published_time", "og:published_time", "og:article:published_time", "datepublished",
    "pubdate", "publishdate", "publish-date", "publish_date", "date", "dc.date", "dc.date.issued",
    "dcterms.created", "dcterms.issued", "sailthru.date", "parsely-pub-date", "article.published",
    "cxenseparse:recs:publishtime", "originalpublicationdate", "displaydate", "article_date_original",
)
_AUTHOR_NOISE = re.compile(
    r"^(?:by|posted by|written by|von|par|por|oleh|автор)\s*[:\-]?\s+|\s*[|/,]\s*$|\s+(?:for|para)\s+.*$",
    re.IGNORECASE)
_NOT_A_NAME = re.compile(r"https?://|www\.|@|\d{3}", re.IGNORECASE)
# Editor codes after a name: "Jane Roe (jr)", "Jane Roe (jr/dpa)".
_EDITOR_CODE = re.compile(r"\s*\((?:[a-z]{2,5}(?:/[a-z]{2,5})?)\)\s*$", re.IGNORECASE)
_SPLIT_AUTHORS = re.compile(r"\s*(?:,|;|\band\b|&|\bund\b|\bet\b|\by\b|\bdan\b)\s*", re.IGNORECASE)
_DATE_CLASS = re.compile("|".join(re.escape(t) for t in DATE_CLASS_TOKENS), re.IGNORECASE)
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»)\s+")


@dataclass
class Metadata:
    """What the page says about itself: the pieces of an `Article` besides body and headlines."""

    ld: list[dict[str, Any]] = field(default_factory=list)  # every JSON-LD object, flattened
    article_ld: dict[str, Any] = field(default_factory=dict)  # the article's own JSON-LD object
    meta: dict[str, str] = field(default_factory=dict)  # first value of each name/property, lower-cased key

    def ld_types(self) -> set[str]:
        """Return the lower-cased JSON-LD @type values found on the page."""
        return {t for obj in self.ld for t in _types(obj)}


def read_metadata(root: lxml.html.HtmlElement) -> Metadata:
    """Return the JSON-LD objects and <meta> values of the page."""
    md = Metadata()
    for script in root.iter("script"):
        if "ld+json" in (script.get("type") or "").lower() and script.text:
            md.ld.extend(_flatten(_load_json(script.text)))
    for obj in md.ld:
        if _types(obj) & ARTICLE_TYPES and (obj.get("headline") or obj.get("articleBody")):
            md.article_ld = obj
            break
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop")
               or meta.get("http-equiv") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if key and value and key not in md.meta:
            md.meta[key] = value
    return md


def _load_json(text: str) -> Any:
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None


def _flatten(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):  # not itemListElement: a list's items are other pages
            if isinstance(data.get(key), (list, dict)):
                yield from _flatten(data[key], depth + 1)


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    values = t if isinstance(t, list) else [t]
    return {v.lower() for v in values if isinstance(v, str)}


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("url") or ""
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""


def find_title(root: lxml.html.HtmlElement, md: Metadata) -> str:
    """Return the article's headline: the page's <h1> when it is the story's, else the metadata title."""
    meta_title = _unescape(_text(md.article_ld.get("headline")) or md.meta.get("og:title")
                           or md.meta.get("twitter:title") or "")
    doc_title = _unescape(" ".join((root.findtext(".//title") or "").split()))
    known = [t for t in (meta_title, doc_title) if t]
    h1s = [text for text in dict.fromkeys(_headline_h1s(root, doc_title, md.meta.get("og:site_name", "")))]
    site = md.meta.get("og:site_name", "")
    for text in h1s:
        if any(_similar(text, t) for t in known):
            return _without_kicker(text, [_strip_site_name(t, site) for t in known])
    if len(h1s) == 1 and 3 <= len(h1s[0].split()) <= 40:
        return h1s[0]  # the visible headline; social titles are often rewritten for sharing
    if meta_title:
        return _strip_site_name(meta_title, site)
    if doc_title:
        return _strip_site_name(doc_title, site)
    return h1s[0] if h1s else ""


def _without_kicker(h1: str, variants: list[str]) -> str:
    """Return the headline without a kicker or section the page joins before it ("Kultur : Title" -> "Title").

    Only when another of the page's own headline variants is exactly the rest.
    """
    for variant in variants:
        if len(variant) >= 12 and h1 != variant and h1.endswith(variant):
            kicker = h1[:-len(variant)].strip()
            if kicker and len(kicker.split()) <= 4 and kicker[-1] in ":|–—-·•»/":
                return variant
    return h1


def _unescape(text: str) -> str:
    text = text.replace("\u00ad", "")  # soft hyphens are line-break hints, not characters of the title
    return " ".join(html.unescape(text).split()) if "&" in text else " ".join(text.split())


def _headline_h1s(root: lxml.html.HtmlElement, doc_title: str, site: str) -> list[str]:
    """Return the texts of <h1>s that can be a headline: not the logo, not a home link, not hidden."""
    found = []
    for h1 in root.iter("h1"):
        text = " ".join(h1.text_content().split())
        if len(text) <= 3 or text.lower() == site.lower():
            continue
        if any(urlsplit(a.get("href") or "").path.strip("/") == "" and a.get("href") for a in h1.iter("a")):
            continue  # a logo/home link, e.g. <h1><a href="/">Site tagline</a></h1>
        if doc_title.endswith(text) and len(doc_title) > len(text) + 3:
            continue  # the site-name suffix of <title>
        if any(is_hidden(el) or el.tag in ("nav", "footer", "aside") for el in [h1, *h1.iterancestors()]):
            continue
        found.append(text)
    return found


def _similar(h1: str, title: str) -> bool:
    a, b = h1.lower(), title.lower()
    return a == b or (len(a) >= 0.5 * len(b) and (a in b or b in a))


def _strip_site_name(title: str, site: str) -> str:
    """Return `title` without a leading or trailing site name ("Story | Site", "Story - Section | Site")."""
    once = _strip_site_name_once(title, site)
    if once != title and site and site.lower() in title[len(once):].lower():
        twice = _strip_site_name_once(once, "")
        if len(twice.split()) >= 3:
            return twice  # "Story - Section | Site": the section went with the site name
    return once


def _strip_site_name_once(title: str, site: str) -> str:
    seps = list(_TITLE_SEPARATORS.finditer(title))
    if not seps:
        return title
    first, last = seps[0], seps[-1]
    head, tail = title[:first.start()], title[last.end():]
    site = site.lower().strip()
    if site and (tail.lower().strip() in site or site in tail.lower()):
        return title[:last.start()].strip()
    if site and head.lower().strip() == site:
        return title[first.end():].strip()
    before = title[:last.start()]
    if len(tail.split()) <= 4 and len(before.split()) > len(tail.split()):
        return before.strip()  # a short last part is the site's name far more often than the story's
    return title


def find_authors(root: lxml.html.HtmlElement, md: Metadata, url: str = "") -> tuple[str, ...]:
    """Return who the page credits with the article (people, agencies, newsrooms), deduplicated, in order."""
    raw: list[str] = []
    for author in _as_list(md.article_ld.get("author")) + _as_list(md.article_ld.get("creator")):
        if isinstance(author, dict):
            raw.append(_text(author.get("name")))
        elif isinstance(author, str):
            raw.append(author)
    if not raw:
        for key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author"):
            if md.meta.get(key):
                raw.append(md.meta[key])
                break
    if not raw:
        raw = [a.text_content() for a in root.xpath(
            '//a[@rel="author"] | //*[@itemprop="author"]//*[@itemprop="name"] | //*[@itemprop="author" and not(*)]')][:5]
    return _clean_authors(raw, _brand_words(md.meta.get("og:site_name", ""), url))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _brand_words(site_name: str, url: str) -> set[str]:
    """Return lower-case words naming the site ("cnn", "sputniknews"), to tell an affiliation from a co-author."""
    words = {w for w in re.findall(r"\w+", site_name.lower()) if len(w) >= 3}
    labels = (urlsplit(url).hostname or "").lower().split(".")
    brand = labels[-3] if len(labels) >= 3 and labels[-2] in ("co", "com", "org", "net") else labels[-2] if len(labels) >= 2 else ""
    return words | ({brand} if len(brand) >= 3 else set())


def _is_outlet(name: str, brand: set[str]) -> bool:
    for word in re.findall(r"\w+", name.lower()):
        if word in brand or (len(word) >= 4 and any(b.startswith(word) for b in brand)):
            return True
    return False


def _clean_authors(raw: list[str], brand: set[str]) -> tuple[str, ...]:
    """Return the names of `raw` bylines; the site's own name after a person's is their affiliation, not a co-author."""
    seen: dict[str, str] = {}
    for item in raw:
        item = " ".join((item or "").split())
        names = []
        for name in _SPLIT_AUTHORS.split(_AUTHOR_NOISE.sub("", re.sub(r"(?<=\w{3})\.\s+(?=[A-Z])", ", ", item))):
            name = _EDITOR_CODE.sub("", _AUTHOR_NOISE.sub("", name.strip(" .,:;|-"))).strip(" .,:;|-")
            if (name and len(name) <= 60 and len(name.split()) <= 5 and not _NOT_A_NAME.search(name)
                    and name.lower() not in GENERIC_BYLINES and re.search(r"[^\W\d_]", name)):
                names.append(name)
        if len(names) > 1:
            names = [n for n in names if not _is_outlet(n, brand)] or names
        for name in names:
            seen.setdefault(name.lower(), name)
    return tuple(seen.values())


def find_published(root: lxml.html.HtmlElement, md: Metadata, url: str) -> datetime | None:
    """Return the publication time: JSON-LD, then <meta>, then <time>, then the URL's date."""
    for value in (md.article_ld.get("datePublished"), md.article_ld.get("dateCreated")):
        found = parse_date(_text(value))
        if found:
            return found
    for key in _PUBLISHED_META:
        found = parse_date(md.meta.get(key))
        if found:
            return found
    for time in root.xpath('//time[@datetime] | //*[@itemprop="datePublished"][@content]'):
        found = parse_date(time.get("datetime") or time.get("content"))
        if found:
            return found
    return date_from_url(url) or _date_in_dated_element(root)


def _date_in_dated_element(root: lxml.html.HtmlElement) -> datetime | None:
    """Return the first date written as text in a <time> or an element whose class names a date or byline."""
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in ("script", "style", "head", "title", "meta", "a"):
            continue
        if tag == "time" or _dated_words(" ".join(filter(None, (el.get("class"), el.get("id"), el.get("itemprop"))))):
            text = el.text_content()
            if len(text) <= 160:
                found = parse_date(" ".join(text.split()))
                if found:
                    return found
    return None


@lru_cache(maxsize=8192)
def _dated_words(words: str) -> bool:
    return bool(words) and bool(_DATE_CLASS.search(words))


def date_in_text(texts: Iterable[str]) -> datetime | None:
    """Return the first date written in any of `texts` (short lines near the headline), or None."""
    for text in texts:
        if len(text) <= 200:
            found = parse_date(text)
            if found:
                return found
    return None


def find_language(root: lxml.html.HtmlElement, md: Metadata) -> str | None:
    """Return the page's primary language subtag ("en", "pt"), or None."""
    for value in (root.get("lang"), root.get("xml:lang"), _text(md.article_ld.get("inLanguage")),
                  md.meta.get("content-language"), md.meta.get("inlanguage"), md.meta.get("dc.language"),
                  md.meta.get("og:locale"), md.meta.get("language")):
        m = re.match(r"^\s*([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]+)*\s*$", value or "")
        if m:
            return m.group(1).lower()
    return None


def find_image(md: Metadata, url: str) -> str | None:
    """Return the absolute URL of the lead image, or None."""
    image = md.meta.get("og:image") or md.meta.get("og:image:url") or md.meta.get("twitter:image")
    if not image:
        image = _text(md.article_ld.get("image")) or _text(md.article_ld.get("thumbnailUrl"))
    if not image or image.startswith("data:"):
        return None
    return canonical_url(image, base=url)


def is_paywalled(md: Metadata) -> bool:
    """Return True when the page declares its content not free (JSON-LD or content-tier meta)."""
    parts = [md.article_ld] + _as_list(md.article_ld.get("hasPart"))
    for part in parts:
        if isinstance(part, dict) and str(part.get("isAccessibleForFree", "")).strip().lower() in ("false", "no", "0"):
            return True
    return md.meta.get("article:content_tier", "").lower() in ("locked", "metered")


def find_canonical(root: lxml.html.HtmlElement, md: Metadata, url: str) -> str:
    """Return the canonical URL: rel=canonical or og:url when on the fetched site, else the fetched URL."""
    hrefs = [link.get("href") for link in root.iter("link")
             if "canonical" in (link.get("rel") or "").lower().split()]
    for href in hrefs + [md.meta.get("og:url")]:
        if not href or not href.strip():
            continue
        absolute = urljoin(url, href.strip())
        if same_site(absolute, url) and not _is_home(absolute, url):
            return canonical_url(absolute)
    return canonical_url(url)


def _is_home(candidate: str, fetched: str) -> bool:
    """A canonical pointing at the home page from a deeper page is a template mistake."""
    return urlsplit(candidate).path.strip("/") == "" and urlsplit(fetched).path.strip("/") != ""


def page_address(root: lxml.html.HtmlElement, md: Metadata) -> tuple[str, str]:
    """Return (the absolute http(s) address the page names for itself, where it was found), or ("", "").

    For a saved page read without its URL: rel=canonical, then og:url, then the JSON-LD url.
    """
    hrefs = [link.get("href") for link in root.iter("link") if "canonical" in (link.get("rel") or "").lower().split()]
    candidates = [(h, "rel=canonical") for h in hrefs] + [(md.meta.get("og:url"), "og:url")]
    candidates += [(_text(md.article_ld.get(k)), f"JSON-LD {k}") for k in ("url", "mainEntityOfPage")]
    for value, where in candidates:
        value = (value or "").strip()
        if value.startswith(("http://", "https://")):
            return value, where
    return "", ""
