"""URL canonicalisation: one address per article, whatever link brought us there.

Two functions, for two jobs:

- `canonical_url` is the address we *fetch* and store as `articles.url`. It
  only makes changes that cannot turn a working address into a broken one:
  scheme and host lower-cased, default port, fragment and click-tracking
  parameters removed, the query sorted, and the query switches that ask for
  an AMP rendering (`?amp`, `?amp=1`, `?outputType=amp`) dropped, since the
  same address without them is the regular page.
- `url_key` is the address we *match* on. On top of `canonical_url` it drops
  a trailing slash and the AMP markers sites put into the path (`/amp` as the
  last or first path segment, `.amp` before the extension). It is stored in
  `article_urls` beside the addresses actually seen, so that a later variant
  finds the article, but it is never fetched: `/story` may 404 where
  `/story/` works.

Host variants (`amp.`, `m.`, `mobile.` hosts) are *not* mapped by these
functions: whether `m.example.com/x` is `www.example.com/x` or
`example.com/x`, or something else, differs from site to site. They are
joined when the page names its canonical address (rel=canonical or og:url),
which `same_site` (the one site identity: one publisher's registrable host,
across subdomains and its country domains) accepts; without it the variant
stays an address of its own, and a page fetched there with the same content
as one of the source's articles is joined by content instead (see
scraper.storage.store).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from scraper.extraction.vocabulary import COUNTRY_SECOND_LEVELS, SHARED_HOSTING_SUFFIXES

# Query parameters that only say where a click came from; never part of the resource.
_TRACKING = re.compile(
    r"^(utm_\w*|fbclid|gclid|dclid|gbraid|wbraid|gclsrc|msclkid|yclid|twclid|ttclid|li_fat_id"
    r"|mc_cid|mc_eid|_ga|_gl|igshid|igsh|_hsenc|_hsmi|mkt_tok|vero_id|oly_enc_id|oly_anon_id"
    r"|ocid|cmpid|cmp|mod|ito|icid|xtor|s_cid|sr_share|guccounter|guce_referrer|guce_referrer_sig"
    r"|ns_mchannel|ns_source|ns_campaign|ns_linkname|ns_fee|wt\.mc_id|wt\.\w+"
    r"|__twitter_impression|smid|smtyp|at_\w+|share|shared|ref_src|ref_url|CMP|ftag|tpcc|taid|mbid|spm)$",
    re.IGNORECASE,
)
# Query switches that ask for the AMP rendering of the same address.
_AMP_SWITCH = re.compile(r"^(amp|outputtype|_amp|usqp)$", re.IGNORECASE)
_AMP_VALUES = {"", "1", "true", "yes", "amp", "mq331ac2"}  # usqp=mq331AC2 is Google's AMP-cache flag
_DEFAULT_PORTS = {"http": 80, "https": 443}
_AMP_LAST = re.compile(r"(?:/amp)+/*$", re.IGNORECASE)  # /story/amp, /story/amp/
_AMP_FIRST = re.compile(r"^(?:/amp(?=/))+", re.IGNORECASE)  # /amp/story
_AMP_SUFFIX = re.compile(r"(?:\.amp)+(?=\.[a-z0-9]{2,5}$|$)", re.IGNORECASE)  # story.amp.html, story.amp
_IP_HOST = re.compile(r"^[\d.]+$|:")  # IPv4 or IPv6 literal


def canonical_url(url: str, base: str | None = None) -> str:
    """Return `url` (resolved against `base`) in the fetchable normal form described in the module docstring.

    Never raises: an address it cannot parse comes back stripped, unchanged
    otherwise. Idempotent: canonical_url(canonical_url(u)) == canonical_url(u).
    """
    url = (url or "").strip()
    try:
        if base:
            url = urljoin(base, url)
        return _normalise(url)
    except (ValueError, UnicodeError):
        return url


def _normalise(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _TRACKING.match(k) and not _is_amp_switch(k, v)]
    netloc = parts.hostname.lower().rstrip(".")
    if ":" in netloc:  # an IPv6 literal keeps its brackets
        netloc = f"[{netloc}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    cleaned = urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))
    result = canonicalize_url(cleaned, keep_fragments=False)
    # w3lib may re-encode in ways that expose another tracking parameter; settle on a fixed point.
    return result if result == cleaned else _settle(result)


def _settle(url: str) -> str:
    """Return the fixed point of canonicalisation starting from `url` (at most a few rounds)."""
    for _ in range(4):
        nxt = canonicalize_url(_strip_query(url), keep_fragments=False)
        if nxt == url:
            break
        url = nxt
    return url


def _strip_query(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _TRACKING.match(k) and not _is_amp_switch(k, v)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def _is_amp_switch(key: str, value: str) -> bool:
    return bool(_AMP_SWITCH.match(key)) and value.strip().lower() in _AMP_VALUES


def url_key(url: str) -> str:
    """Return the address `url` is matched on: canonical_url without trailing slash and AMP path markers.

    Used to find an article under a variant address; never fetched (see the module docstring).
    """
    canonical = canonical_url(url)
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return canonical
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return canonical
    path = _AMP_FIRST.sub("", parts.path)
    path = _AMP_LAST.sub("", path)
    segments = path.split("/")
    segments[-1] = _AMP_SUFFIX.sub("", segments[-1])
    path = "/".join(segments).rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def url_forms(url: str) -> list[str]:
    """Return `url` (stripped), its canonical form and its match key, without repeats, in that order."""
    forms: list[str] = []
    raw = (url or "").strip()
    for form in (raw, canonical_url(raw), url_key(raw)) if raw else ():
        if form and form not in forms:
            forms.append(form)
    return forms


def host_of(url: str) -> str:
    """Return the lower-case host of an absolute or protocol-relative URL ('' when none; a cheap urlsplit)."""
    start = url.find("//")
    if start < 0:
        return ""
    rest = url[start + 2:]
    for stop in "/?#":
        cut = rest.find(stop)
        if cut >= 0:
            rest = rest[:cut]
    rest = rest.rpartition("@")[2]
    if rest.startswith("["):
        return rest[1:rest.find("]")].lower() if "]" in rest else ""
    return rest.partition(":")[0].lower().rstrip(".")


@lru_cache(maxsize=4096)
def _registrable(host: str) -> str:
    if not host or _IP_HOST.match(host) or "." not in host:
        return host
    labels = host.split(".")
    take = 3 if (len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in COUNTRY_SECOND_LEVELS) else 2
    if ".".join(labels[-take:]) in SHARED_HOSTING_SUFFIXES:
        take += 1
    return ".".join(labels[-take:])


def registrable_host(url: str) -> str:
    """Return the registrable part of the URL's host ("bbc.co.uk" for www.bbc.co.uk; the host for IPs)."""
    return _registrable(host_of(url))


def site_key(url: str) -> str:
    """Return the site identity of a URL: its registrable host ("bbc.co.uk"), '' when it has none."""
    return registrable_host(url)


@lru_cache(maxsize=4096)
def same_registrable(a: str, b: str) -> bool:
    """Return True when two registrable hosts are one site: equal, or one name under a country domain.

    bbc.com and bbc.co.uk (or spiegel.de) are one publisher; example.com and example.net,
    two generic suffixes, are not.
    """
    if not a or not b:
        return False
    if a == b:
        return True
    name_a, _, suffix_a = a.partition(".")
    name_b, _, suffix_b = b.partition(".")
    if name_a != name_b or not suffix_a or not suffix_b or _IP_HOST.match(a) or _IP_HOST.match(b):
        return False
    return _is_country_suffix(suffix_a) or _is_country_suffix(suffix_b)


def _is_country_suffix(suffix: str) -> bool:
    return len(suffix.rpartition(".")[2]) == 2 and suffix.replace(".", "").isalpha()


def same_site(a: str, b: str) -> bool:
    """Return True when both URLs are on one site: the one site identity of the project.

    The same registrable host (www./m./amp./news. and other subdomains included), or the same
    name under one of the publisher's country domains (bbc.com and bbc.co.uk).
    """
    return same_registrable(registrable_host(a), registrable_host(b))
