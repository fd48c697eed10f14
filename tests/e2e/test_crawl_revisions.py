"""Two crawls of the local news site: revisions, cosmetic changes, address variants, as-of reads, revisits."""

from __future__ import annotations

import urllib.request

import psycopg2

from scraper.extraction import extract_article
from tests.e2e.conftest import sources_file
from tests.e2e.test_crawl import rows

CORRECTION = ("Correction: an earlier version of this article misstated the share of households "
              "that depend on the programme.")
# One request at a time: every listing is read before the first article is fetched, so each
# article's raw listed addresses (e.g. ?utm_ variants) are all known when it is stored.
SEQUENTIAL = "CONCURRENT_REQUESTS = 1\n"


def execute(db_url: str, sql: str, params: tuple = ()) -> None:
    """Run one statement and commit it."""
    conn = psycopg2.connect(db_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, params)
    finally:
        conn.close()


def cosmetic(body: str) -> str:
    """Return `body` as a page re-rendered later shows it: same article, different noise."""
    first, *rest = body.split("\n\n")
    first = first.replace(" ", "\u00a0", 3).replace("the", "t\u00adhe", 1) + "\u200b"
    return "\n\n".join(["Updated 3 minutes ago", first, *rest, "1.2K shares", "Comments (41)"])


def test_two_crawls_keep_revisions_ignore_cosmetic_changes_and_join_address_variants(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "sources.toml", site, max_age_days=7)
    config.write_text(config.read_text() + SEQUENTIAL)
    assert scraper("--config", str(config), "crawl", "gazette").code == 0
    revised, touched = site.expected.fresh[0], site.expected.fresh[2]
    site.revise(revised, site.story(revised).body + "\n\n" + CORRECTION)
    site.revise(touched, cosmetic(site.story(touched).body))
    result = scraper("--config", str(config), "crawl", "gazette")
    assert result.code == 0, result.err

    n = len(site.expected.stored(max_age_days=7))
    [(new, updated, unchanged)] = rows(db_url, "SELECT articles_new, articles_updated, articles_unchanged "
                                               "FROM crawl_runs ORDER BY id DESC LIMIT 1")
    assert (new, updated) == (0, 1) and unchanged >= n - 1
    assert rows(db_url, "SELECT count(*) FROM article_versions") == [(n + 1,)]

    def versions(path):
        return rows(db_url, "SELECT v.version, v.title_changed, v.body_changed, v.words_added, v.words_removed, "
                            "v.change_summary FROM article_versions v JOIN articles a ON a.id = v.article_id "
                            "WHERE a.url = %s ORDER BY v.version", (site.url + path,))

    [v1, v2] = versions(revised)
    assert v1[1:] == (None, None, None, None, None)
    assert v2[1:5] == (False, True, len(CORRECTION.split()), 0) and "Correction: an earlier" in v2[5]
    assert len(versions(touched)) == 1
    # the noise did reach extraction: by the whitespace-only hash of before 0005 it was a new version
    page = urllib.request.urlopen(site.url + touched).read()
    seen = extract_article(page, site.url + touched)
    assert "Updated 3 minutes ago" in seen.body and "1.2K shares" in seen.body
    [(stored_title, stored_body)] = rows(db_url, "SELECT title, body FROM articles WHERE url = %s",
                                         (site.url + touched,))
    assert (" ".join(seen.title.split()), " ".join(seen.body.split())) != \
        (" ".join(stored_title.split()), " ".join(stored_body.split()))

    # every address variant of one article: redirect, tracking, AMP page, AMP switch, unknown parameter
    target = next(iter(set(site.expected.aliases.values())))
    [(aid,)] = rows(db_url, "SELECT id FROM articles WHERE url = %s", (site.url + target,))
    by_alias = dict(rows(db_url, "SELECT url, article_id FROM article_urls"))
    for alias in site.expected.aliases:
        assert by_alias.get(site.url + alias) == aid, alias
    for marker in ("utm_source=", ".amp.html", "?amp=1", "/go/"):
        assert any(marker in alias for alias in site.expected.aliases), marker

    # the article as it stood before and after the second crawl, by id or by any of its addresses
    [(rid, between)] = rows(db_url, "SELECT a.id, r.started_at FROM articles a, crawl_runs r "
                                    "WHERE a.url = %s ORDER BY r.id DESC LIMIT 1", (site.url + revised,))
    [(version, body)] = rows(db_url, "SELECT version, body FROM article_as_of(%s, %s)", (rid, between))
    assert version == 1 and CORRECTION not in body
    assert rows(db_url, "SELECT version FROM article_as_of_url(%s, now())",
                (site.url + revised + "?x=never-seen",)) == []  # an address never recorded is not guessed
    [(version, body)] = rows(db_url, "SELECT version, body FROM article_as_of_url(%s, now())", (site.url + revised,))
    assert version == 2 and body.endswith(CORRECTION)


def test_a_due_article_no_longer_listed_is_revisited_and_its_revision_kept(scraper, site, db_url, tmp_path):
    everything = sources_file(tmp_path / "all.toml", site, max_age_days=7)
    assert scraper("--config", str(everything), "crawl", "gazette").code == 0
    rss = set(site.expected.stored(max_age_days=7, start_paths=("/rss.xml",)))
    unlisted = [p for p in site.expected.fresh if p not in rss]
    due, not_due, deleted = unlisted[0], unlisted[1], unlisted[2]
    # time passes: `due` and `deleted` reached their next visit, `not_due` did not
    execute(db_url, "UPDATE articles SET next_visit_at = now() - interval '1 minute' WHERE url IN (%s, %s)",
            (site.url + due, site.url + deleted))
    site.revise(due, site.story(due).body + "\n\n" + CORRECTION)
    site.remove(deleted)
    before = {p: site.fetched(p) for p in (due, not_due, deleted)}

    only_rss = sources_file(tmp_path / "rss.toml", site, max_age_days=7, start_paths=("/rss.xml",))
    result = scraper("--config", str(only_rss), "crawl", "gazette")
    assert result.code == 0, result.err
    assert site.fetched(due) == before[due] + 1 and site.fetched(not_due) == before[not_due]
    [(updated,)] = rows(db_url, "SELECT articles_updated FROM crawl_runs ORDER BY id DESC LIMIT 1")
    assert updated == 1
    got = rows(db_url, "SELECT v.version, v.body_changed FROM article_versions v JOIN articles a "
                       "ON a.id = v.article_id WHERE a.url = %s ORDER BY v.version", (site.url + due,))
    assert got == [(1, None), (2, True)]
    [(next_visit,)] = rows(db_url, "SELECT next_visit_at > now() FROM articles WHERE url = %s", (site.url + due,))
    assert next_visit
    # a revisited page that is gone is an error once, then no longer revisited
    assert site.fetched(deleted) == before[deleted] + 1
    assert rows(db_url, "SELECT message FROM crawl_errors WHERE url = %s", (site.url + deleted,)) == [("HTTP 404",)]
    assert rows(db_url, "SELECT next_visit_at FROM articles WHERE url = %s", (site.url + deleted,)) == [(None,)]

    # revisit_max_age_days = 0: nothing is revisited, even when due
    execute(db_url, "UPDATE articles SET next_visit_at = now() - interval '1 minute'")
    never = sources_file(tmp_path / "never.toml", site, max_age_days=7, start_paths=("/rss.xml",),
                         extra="revisit_max_age_days = 0\n")
    assert scraper("--config", str(never), "crawl", "gazette").code == 0
    assert site.fetched(due) == before[due] + 1 and site.fetched(not_due) == before[not_due]
