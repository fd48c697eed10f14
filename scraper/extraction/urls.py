"""URL canonicalisation: one address per article, whatever link brought us there."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only say where a click came from; never part of the resource.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gclsrc|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid"
    r"|ocid|cmpid|ito|icid|ns_mchannel|ns_source|ns_campaign|ns_linkname|ns_fee"
    r"|__twitter_impression|smid|smtyp|at_medium|at_campaign|share|shared|ref_src|CMP)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str, base: str | None = None) -> str:
    """Return `url` (resolved against `base`) with tracking parameters, fragment and default port removed.

    Scheme and host are lower-cased and the query sorted (w3lib), so that the
    many addresses one article is linked under collapse into one. An http(s)
    address that cannot be parsed (a broken IPv6 literal) gives "".
    """
    url = (url or "").strip()
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # "http://[::1", "http://[x]/": no address at all (found by fuzzing)
        return ""
    if parts.scheme.lower() not in _DEFAULT_PORTS or not hostname:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    netloc = hostname.lower().rstrip(".")
    if ":" in netloc:  # an IPv6 literal keeps its brackets
        netloc = f"[{netloc}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port != _DEFAULT_PORTS[parts.scheme.lower()]:
        netloc = f"{netloc}:{port}"
    cleaned = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))
    try:
        return canonicalize_url(cleaned, keep_fragments=False)
    except ValueError:
        return ""


def same_site(a: str, b: str) -> bool:
    """Return True when both URLs are on the same registrable-ish host (ignoring a leading www.)."""

    def host(u: str) -> str:
        h = (urlsplit(u).hostname or "").lower()
        return h[4:] if h.startswith("www.") else h

    return bool(host(a)) and host(a) == host(b)
