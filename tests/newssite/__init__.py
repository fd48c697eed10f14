"""A local news site on 127.0.0.1 for end-to-end tests and benchmarks.

    with NewsSite(n_generated=30, dev_set=Path("../shared/extraction-dev")) as site:
        crawl(site.start_urls()) ...
        assert stored == site.expected.stored(max_age_days=None)

Everything it serves is deterministic given `seed`, except that dates are
relative to `now` (default: the wall clock at construction), so that the
crawler's max_age_days sees fresh and old articles. `site.expected` says
what a crawl of its start URLs should store, skip and fail on.
"""

from __future__ import annotations

import gzip
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from tests.newssite import pages
from tests.newssite.content import TAGS, Story, headline, paragraphs, person, slugify
from tests.newssite.pages import Entry
from tests.newssite.server import Resource, SiteServer, start

SEED_FILE = Path(__file__).resolve().parent.parent / "data" / "seed.txt"
SEED_TITLE = "Putin Says He Wants the Question of Ukraine\u2019s NATO Ties Resolved Now"
HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
OLD_AFTER = timedelta(days=10)
# Sections list only stories of the last hours: they give no dates, so an older
# story there would be fetched whatever max_age_days says and blur `expected`.
SECTION_WINDOW = timedelta(hours=20)
BROKEN = {"/broken/404.html": 404, "/broken/500.html": 500, "/broken/file.pdf": 200,
          "/broken/empty.html": 200, "/broken/garbage.html": 200}
PRIVATE = "/private/secret-article.html"
FEEDS = ("/rss.xml", "/atom.xml", "/feed.json")
SITEMAPS = ("/sitemap_index.xml", "/sitemap-news.xml", "/sitemap-articles.xml.gz")
SECTIONS = ("/world/", "/politics/")
START_PATHS = (*FEEDS, "/sitemap_index.xml", *SECTIONS)
AMP_SUFFIX = ".amp.html"


def _path_of(href: str) -> str:
    """Return the path?query part of an href."""
    parts = urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class Expected:
    """What the site serves, in paths, so tests can assert exact counts."""

    now: datetime  # the instant all dates are relative to
    articles: Mapping[str, datetime]  # every listed, allowed article page -> the date listings give it
    fresh: tuple[str, ...]  # generated stories younger than 10 days, newest first
    old: tuple[str, ...]  # generated stories older than 10 days; only in dated listings
    seed: str  # the story built from tests/data/seed.txt
    seed_related: tuple[str, ...]  # seed sidebar headlines that exist as stories
    unserved_headlines: tuple[str, ...]  # seed sidebar headlines that 404 (headline rows only)
    dev: tuple[str, ...]  # extraction-dev pages served verbatim at /dev/<key>.html
    broken: Mapping[str, int]  # listed paths that are no article: path -> HTTP status
    disallowed: tuple[str, ...]  # listed but robots.txt-disallowed: must never be requested
    aliases: Mapping[str, str]  # other addresses of one article (path?query or redirect) -> its path
    listings: Mapping[str, tuple[str, ...]]  # feed/sitemap/section path -> hrefs it lists (path?query)
    start_paths: tuple[str, ...] = START_PATHS

    def stored(self, max_age_days: int | None = None, start_paths: tuple[str, ...] | None = None) -> frozenset[str]:
        """Return the article paths a crawl of `start_paths` should store (max_age_days None or >= 1)."""
        cutoff = None if max_age_days is None else self.now - timedelta(days=max_age_days)
        found = set()
        for href in self._listed(start_paths or self.start_paths):
            path = self.aliases.get(href) or urlsplit(href).path
            when = self.articles.get(path)
            if when is not None and (cutoff is None or when >= cutoff):
                found.add(path)
        return frozenset(found)

    def _listed(self, start_paths: tuple[str, ...]) -> list[str]:
        """Return every href the start listings reach, following the sitemap index."""
        hrefs: list[str] = []
        for path in start_paths:
            if path == "/sitemap_index.xml":
                hrefs += self._listed(SITEMAPS[1:])
            else:
                hrefs += self.listings.get(path, ())
        return hrefs


class NewsSite:
    """A real HTTP news site on 127.0.0.1 (a context manager); see the module docstring."""

    host = "127.0.0.1"

    def __init__(self, n_generated: int = 30, dev_set: Path | None = None, n_dev: int = 10, *,
                 port: int = 0, now: datetime | None = None, seed: int = 17) -> None:
        if n_generated < 2:
            raise ValueError("n_generated must be at least 2 (one fresh and one old story)")
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server = SiteServer((self.host, port), self._resolve, self._record)
        self.port: int = self._server.server_address[1]
        self.url = f"http://{self.host}:{self.port}"
        self.now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        self._seed = seed
        self._thread: threading.Thread | None = None
        self._stories: dict[str, Story] = {}
        self._resources: dict[str, Resource] = {}
        self._build(n_generated, dev_set, n_dev)

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> NewsSite:
        """Return self, now serving in a daemon thread."""
        if self._thread is None:
            self._thread = start(self._server)
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> NewsSite:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- what tests use ------------------------------------------------------------

    def article_urls(self) -> list[str]:
        """Return the absolute URLs of all article pages a full crawl should store."""
        return [self.url + path for path in self.expected.articles]

    def start_urls(self) -> list[str]:
        """Return the absolute URLs of the feeds, sitemap index and sections to crawl from."""
        return [self.url + path for path in self.expected.start_paths]

    def story(self, path: str) -> Story:
        """Return the current content of the generated article at `path`."""
        with self._lock:
            return self._stories[path]

    def revise(self, path: str, new_body: str) -> None:
        """Replace the body of the article at `path` (paragraphs split by blank lines)."""
        with self._lock:
            story = self._stories[path].revised(new_body, datetime.now(UTC).replace(microsecond=0))
            self._stories[path] = story
            self._resources[path] = self._article_resource(story)

    def remove(self, path: str) -> None:
        """Stop serving the article at `path`: it answers 404 from now on."""
        with self._lock:
            self._resources.pop(path, None)
            self._stories.pop(path, None)

    def fetched(self, path: str) -> int:
        """Return how many requests asked for `path` (query strings ignored)."""
        with self._lock:
            return sum(1 for target in self.requests if urlsplit(target).path == path)

    # --- serving ----------------------------------------------------------------------

    def _resolve(self, path: str) -> Resource | None:
        with self._lock:
            found = self._resources.get(path)
            if found is None and path.endswith(AMP_SUFFIX):  # every story has an AMP rendering naming its canonical
                regular = path.removesuffix(AMP_SUFFIX) + ".html"
                found = self._resources.get(regular) if regular in self._stories else None
            return found

    def _record(self, target: str) -> None:
        with self._lock:
            self.requests.append(target)

    def _article_resource(self, story: Story) -> Resource:
        return Resource(200, HTML, pages.article_html(story, self.url + story.path),
                        story.modified_at or story.published_at)

    # --- building the site ---------------------------------------------------------------

    def _build(self, n_generated: int, dev_set: Path | None, n_dev: int) -> None:
        """Make every story and document and fill `expected`."""
        n_old = max(1, n_generated // 6)
        fresh = [self._generated(i, self._fresh_date(i, n_generated - n_old)) for i in range(n_generated - n_old)]
        old = [self._generated(n_generated - n_old + j, self.now - timedelta(days=12 + j, minutes=17))
               for j in range(n_old)]
        seed, related, unserved = self._seed_story()
        private = Story(PRIVATE, "Secret Article That Robots Forbid Fetching", "Nobody Here",
                        self.now - timedelta(hours=2, minutes=7), paragraphs(random.Random(-1)))
        for story in [*fresh, *old, *related]:
            self._stories[story.path] = self._with_sidebar(story, fresh)
        self._stories[seed.path] = seed
        self._stories[private.path] = private
        dev = self._dev_pages(dev_set, n_dev)
        alias_target = fresh[1] if len(fresh) > 1 else fresh[0]
        aliases = {
            f"/go/{slugify(alias_target.title, 60)}": alias_target.path,
            f"{alias_target.path}?utm_source=newsletter&utm_medium=email": alias_target.path,
            f"{alias_target.path}?from=frontpage": alias_target.path,
            alias_target.path.removesuffix(".html") + AMP_SUFFIX: alias_target.path,  # AMP page, rel=canonical
            f"{alias_target.path}?amp=1": alias_target.path,
        }
        listings = self._listings(fresh, old, seed, related, private, dev, alias_target)
        self._publish(listings, aliases)
        articles = {s.path: s.published_at for s in [*fresh, *old, seed, *related]}
        articles.update(dev)
        self.expected = Expected(
            now=self.now, articles=articles, fresh=tuple(s.path for s in fresh),
            old=tuple(s.path for s in old), seed=seed.path, seed_related=tuple(s.path for s in related),
            unserved_headlines=unserved, dev=tuple(dev), broken=dict(BROKEN), disallowed=(PRIVATE,),
            aliases=aliases, listings={k: tuple(_path_of(e.href) for e in v) for k, v in listings.items()},
        )

    def _fresh_date(self, i: int, n_fresh: int) -> datetime:
        """Return the i-th fresh date: all within 9 days, never on a whole-day boundary of `now`."""
        # An even step never lands 17 minutes off a multiple of 1440, so max_age_days
        # cut-offs always fall between two stories, not on one.
        step = next((s for s in (120, 60, 30, 20, 10, 6, 4, 2) if s * n_fresh <= 9 * 1440), 2)
        return self.now - timedelta(minutes=17 + i * step)

    def _generated(self, i: int, when: datetime) -> Story:
        """Return generated story number `i`, the same for a given seed whatever the site size."""
        rng = random.Random(f"{self._seed}-{i}")
        title = headline(rng)
        path = f"/{when:%Y/%m/%d}/{slugify(title, 60)}-{i}.html"
        return Story(path, title, person(rng), when, paragraphs(rng), tuple(rng.sample(TAGS, 2)))

    def _href(self, path: str, k: int) -> str:
        """Return a link to `path` in one of the ways real pages write them (absolute, relative, tracked)."""
        return (self.url + path, path, f"{path}?utm_source=sidebar&utm_medium=web")[k % 3]

    def _seed_story(self) -> tuple[Story, list[Story], tuple[str, ...]]:
        """Return the seed story, the sidebar stories that exist, and the sidebar paths that 404."""
        body, _, tail = SEED_FILE.read_text(encoding="utf-8").partition("\n\n\n")
        heads = [line.strip() for line in tail.splitlines() if line.strip()]
        links, related, unserved = [], [], []
        for k, title in enumerate(heads):
            when = self.now - timedelta(hours=5 * (k + 1), minutes=13)
            path = f"/{when:%Y/%m/%d}/{slugify(title, 70)}.html"
            if k % 3 == 0:
                rng = random.Random(f"{self._seed}-seed-{k}")
                related.append(Story(path, title, person(rng), when, paragraphs(rng), tuple(rng.sample(TAGS, 2))))
            else:
                unserved.append(path)
            links.append((title, self._href(path, k)))
        when = self.now - timedelta(hours=3, minutes=7)
        seed = Story(
            f"/{when:%Y/%m/%d}/putin-wants-ukraine-nato-question-resolved-now.html", SEED_TITLE,
            "Diane Mercer", when, tuple(line.strip() for line in body.splitlines() if line.strip()),
            ("ukraine",), sidebar=(("Latest", tuple(links[:9])), ("Most read", tuple(links[9:]))),
        )
        return seed, related, tuple(unserved)

    def _with_sidebar(self, story: Story, fresh: list[Story]) -> Story:
        """Return `story` with "Latest" (newest others) and "Most read" (a seeded pick) blocks."""
        latest = [s for s in fresh[:6] if s.path != story.path][:5]
        # Sample indices, not a filtered copy of `fresh`: big benchmark sites stay linear.
        picks = random.Random(f"{self._seed}-sidebar-{story.path}").sample(range(6, len(fresh)), min(6, max(0, len(fresh) - 6)))
        most_read = [fresh[i] for i in picks if fresh[i].path != story.path][:5]
        return replace(story, sidebar=(
            ("Latest", tuple((s.title, self._href(s.path, j)) for j, s in enumerate(latest))),
            ("Most read", tuple((s.title, self._href(s.path, j + 1)) for j, s in enumerate(most_read))),
        ))

    def _dev_pages(self, dev_set: Path | None, n_dev: int) -> dict[str, datetime]:
        """Serve `n_dev` extraction-dev pages verbatim (cycling, as /dev/<key>-<n>.html, past the last); return path -> listed date."""
        if dev_set is None or n_dev <= 0:
            return {}
        folder = Path(dev_set) / "html" if (Path(dev_set) / "html").is_dir() else Path(dev_set)
        files = sorted(folder.glob("*.html.gz"))
        dates = {}
        for k in range(n_dev if files else 0):
            file, copy = files[k % len(files)], k // len(files)
            key = file.name.removesuffix(".html.gz")
            path = f"/dev/{key}.html" if copy == 0 else f"/dev/{key}-{copy}.html"
            dates[path] = self.now - timedelta(days=1, minutes=3 + 37 * k)
            self._resources[path] = Resource(200, HTML, gzip.decompress(file.read_bytes()), dates[path])
        return dates

    def _entry(self, story: Story, href: str | None = None) -> Entry:
        """Return the listing entry of `story`, linked absolutely unless `href` is given."""
        return Entry(href or self.url + story.path, story.title, story.published_at, story.paragraphs[0][:160])

    def _listings(self, fresh: list[Story], old: list[Story], seed: Story, related: list[Story],
                  private: Story, dev: dict[str, datetime], alias: Story) -> dict[str, list[Entry]]:
        """Return each listing's entries: which feed, sitemap and section lists what."""
        u, e = self.url, self._entry
        broken = [Entry(u + p, f"Broken link {k}", self.now - timedelta(hours=1, minutes=3 * k))
                  for k, p in enumerate(BROKEN)]
        recent = [s for s in fresh if self.now - s.published_at <= SECTION_WINDOW]
        go = f"/go/{slugify(alias.title, 60)}"
        relative = [e(s, s.path if j % 3 else None) for j, s in enumerate(recent)]
        politics = [e(s, f"{s.path}?from=frontpage") if s is alias else e(s, s.path) for s in recent[1::2][:20]]
        listings = {
            "/rss.xml": [e(seed), *map(e, fresh[:15]), *broken, e(private), *map(e, old)],
            "/atom.xml": [e(alias, f"{u}{alias.path}?utm_source=newsletter&utm_medium=email"),
                          *map(e, fresh[5:20])],
            "/feed.json": [e(s, u + go) if s is alias else e(s) for s in fresh[:10]],
            "/sitemap-news.xml": [e(seed), *map(e, fresh[:20])],
            "/sitemap-articles.xml.gz": [*map(e, [*fresh, *old, seed, *related]),
                                         *(Entry(u + p, "", when) for p, when in dev.items())],
            "/world/": [*relative[0::2][:20], *(x for x in broken if not x.href.endswith(".pdf")),
                        e(private, private.path), e(alias, alias.path.removesuffix(".html") + AMP_SUFFIX),
                        e(alias, f"{alias.path}?amp=1")],
            "/politics/": [*politics, Entry(go, alias.title, None, "Read the full story")],
            "/": relative[:10],
        }
        for tag in TAGS:
            listings[f"/tag/{tag}/"] = [e(s, s.path) for s in fresh if tag in s.tags][:10]
        return listings

    def _publish(self, listings: dict[str, list[Entry]], aliases: Mapping[str, str]) -> None:
        """Render every page, feed and sitemap into the served resources."""
        u, r, now = self.url, self._resources, self.now
        for story in self._stories.values():
            r[story.path] = self._article_resource(story)
        r["/robots.txt"] = Resource(200, "text/plain; charset=utf-8", pages.robots_txt(u), now)
        r["/rss.xml"] = Resource(200, "application/rss+xml; charset=utf-8", pages.rss_xml(listings["/rss.xml"], u), now)
        r["/atom.xml"] = Resource(200, "application/atom+xml; charset=utf-8",
                                  pages.atom_xml(listings["/atom.xml"], u, now), now)
        r["/feed.json"] = Resource(200, "application/feed+json; charset=utf-8",
                                   pages.json_feed(listings["/feed.json"], u), now)
        r["/sitemap_index.xml"] = Resource(200, XML, pages.sitemap_index_xml([u + p for p in SITEMAPS[1:]], now), now)
        r["/sitemap-news.xml"] = Resource(200, XML, pages.sitemap_xml(listings["/sitemap-news.xml"], news=True), now)
        # Served as a .gz file (no Content-Encoding), the way most sites publish big sitemaps.
        articles_xml = pages.sitemap_xml(listings["/sitemap-articles.xml.gz"])
        r["/sitemap-articles.xml.gz"] = Resource(200, "application/gzip", gzip.compress(articles_xml, mtime=0), now)
        titles = {"/": "Front page", "/world/": "World", "/politics/": "Politics"}
        for path, entries in listings.items():
            if path.endswith("/"):
                title = titles.get(path) or f"Stories tagged {path.split('/')[-2]}"
                r[path] = Resource(200, HTML, pages.index_html(title, entries, u + path), now)
        for variant, target in aliases.items():
            if variant.startswith("/go/"):
                r[variant] = Resource(301, HTML, b"", headers=(("Location", u + target),))
        self._publish_broken()

    def _publish_broken(self) -> None:
        """Serve the broken links: errors, a PDF, an empty page and binary junk as text/html."""
        r = self._resources
        r["/broken/404.html"] = Resource(404, HTML, b"<html><body><h1>Not found</h1></body></html>")
        r["/broken/500.html"] = Resource(500, HTML, b"<html><body><h1>Internal Server Error</h1></body></html>")
        r["/broken/file.pdf"] = Resource(200, "application/pdf", PDF)
        r["/broken/empty.html"] = Resource(200, HTML, b"")
        r["/broken/garbage.html"] = Resource(200, HTML, random.Random(self._seed).randbytes(4096))
