"""`crawl --url` refuses a public address that redirects to a private one (SSRF), for real.

No public site is reachable from the tests, so the public address is reached through a
local HTTP proxy (Scrapy honours http_proxy): it answers for 93.184.215.14 with a redirect
to an internal address, and records whether anything asked it for the internal one.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg2
import pytest

from tests.newssite.server import LocalServer, QuietHandler

PUBLIC = "93.184.215.14"  # a literal public address: no DNS lookup


class RedirectingProxy(LocalServer):
    """An HTTP proxy on 127.0.0.1 answering every request for PUBLIC with a redirect to `target`."""

    def __init__(self, target: str) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                proxy.seen.append(self.path)  # a proxy gets the absolute URL
                if self.path.startswith(f"http://{PUBLIC}/story"):
                    self.send_response(302)
                    self.send_header("Location", target)
                else:
                    self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.serve(Handler)


@pytest.fixture(params=["http://169.254.169.254/latest/meta-data/iam", "loopback"])
def proxy(request, site) -> Iterator[RedirectingProxy]:
    target = site.url + site.expected.fresh[0] if request.param == "loopback" else request.param
    server = RedirectingProxy(target)
    yield server
    server.close()


def test_a_redirect_to_a_private_address_is_refused_and_nothing_is_stored(scraper, site, proxy, db_url, tmp_path):
    config = tmp_path / "s.toml"
    config.write_text(f'[[sources]]\nname = "public"\nstart_urls = ["http://{PUBLIC}/rss.xml"]\n'
                      f'allowed_domains = ["{PUBLIC}", "169.254.169.254", "127.0.0.1"]\ninterval_minutes = 60\n')
    scraper.env.update(http_proxy=proxy.url, HTTP_PROXY=proxy.url, no_proxy="", NO_PROXY="")
    result = scraper("--config", str(config), "crawl", "--url", f"http://{PUBLIC}/story.html")
    assert result.code == 2, (result.out, result.err)
    last = result.err.strip().splitlines()[-1]  # the warning log line of the refused page comes before it
    assert last.startswith("scraper: ") and "non-public address" in last and "allow_private_addresses" in last
    assert f"http://{PUBLIC}/story.html" in proxy.seen  # the public address was fetched, and redirected
    assert not [p for p in proxy.seen if "169.254" in p]  # the internal one never was
    assert site.fetched(site.expected.fresh[0]) == 0
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM articles")
        assert cur.fetchone()[0] == 0
    conn.close()
