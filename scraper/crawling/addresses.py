"""Which network addresses a user-supplied URL may reach (guards `crawl --url` against SSRF)."""

from __future__ import annotations

import ipaddress
import socket


def non_public_address(host: str) -> str | None:
    """Return the first private, loopback, link-local or reserved address `host` resolves to, else None.

    A host that does not resolve returns None: the fetch itself then fails with
    a clear DNS error.
    """
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if (address.is_private or address.is_loopback or address.is_link_local
                or address.is_reserved or address.is_multicast or address.is_unspecified):
            return str(address)
    return None
