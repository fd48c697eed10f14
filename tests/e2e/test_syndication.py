"""Two local news sites republishing one wire story, crawled twice by the real `scraper` command."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.e2e.conftest import rows
from tests.newssite.content import paragraphs
from tests.newssite.syndication import WireSite, edited_copy, follow_up, real_articles, recent

PAYWALL = ["Subscribe to continue reading.", "Already a subscriber? Log in to read the full story."]



def links(db_url: str) -> dict[str, tuple[str | None, int, int]]:
    """Return url -> (url of the original, number of the story in order of appearance, versions)."""
    got = rows(db_url, "SELECT a.url, o.url, a.story_id, (SELECT count(*) FROM article_versions v"
                       " WHERE v.article_id = a.id) FROM articles a LEFT JOIN articles o ON o.id = a.duplicate_of"
                       " ORDER BY a.first_seen_at, a.id")
    numbers: dict[int, int] = {}
    return {url: (orig, numbers.setdefault(story, len(numbers)), n) for url, orig, story, n in got}


@pytest.fixture
def wires() -> Iterator[tuple[WireSite, WireSite]]:
    with WireSite("wire-a") as a, WireSite("wire-b") as b:
        yield a, b


def config(path: Path, a: WireSite, b: WireSite) -> Path:
    text = "".join(
        f'[[sources]]\nname = "{site.name}"\nstart_urls = ["{site.url}/rss.xml"]\n'
        'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 30\n'
        "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n\n" for site in (a, b))
    path.write_text(text, encoding="utf-8")
    return path


def test_syndicated_copies_follow_ups_and_revisions_across_two_crawls(scraper, wires, db_url, tmp_path):
    a, b = wires
    arts = real_articles()
    title, paras = arts[-1]
    original = a.publish(title, paras, recent(30))
    copy = b.publish(title + " as tensions rise", edited_copy(paras, random.Random(1), "Wire B"), recent(29))
    unrelated = [a.publish(t, p, recent(20 + i)) for i, (t, p) in enumerate(arts[:3])]
    unrelated += [b.publish(t, p, recent(10 + i)) for i, (t, p) in enumerate(arts[3:6])]
    stub_a = a.publish("Council approves the harbour budget", PAYWALL, recent(5))
    stub_b = b.publish("Teachers end their strike after a month", PAYWALL, recent(4))
    cfg = str(config(tmp_path / "sources.toml", a, b))
    for source in ("wire-a", "wire-b"):
        result = scraper("--config", cfg, "crawl", source)
        assert result.code == 0, result.err

    a.publish(title, paras + ["Correction: an earlier version of this article misstated the number of troops "
                                   "that Russia said it had pulled back from the border."], recent(30))
    f_title, f_paras = follow_up(title, paras, list(paragraphs(random.Random(7))), random.Random(7))
    follow = b.publish(f_title, f_paras, recent(2))
    for source in ("wire-a", "wire-b"):
        result = scraper("--config", cfg, "crawl", source)
        assert result.code == 0, result.err

    got = links(db_url)
    assert [r[0] for r in rows(db_url, "SELECT articles_updated FROM crawl_runs ORDER BY id")] == [0, 0, 1, 0]
    assert got[original] == (None, got[original][1], 2)  # revised: two versions, still the original
    assert got[copy] == (original, got[original][1], 1)
    assert got[follow][:2] == (None, got[original][1])
    story = got[original][1]
    assert sorted(n for url, (_, n, _) in got.items() if url in unrelated) == sorted({
        got[url][1] for url in unrelated}), "unrelated articles each have their own story"
    assert story not in {got[url][1] for url in unrelated}
    for stub in (stub_a, stub_b):  # a paywall stub, if stored at all, is nobody's copy and has its own story
        if stub in got:
            assert got[stub][0] is None and got[stub][1] != story
    if stub_a in got and stub_b in got:
        assert got[stub_a][1] != got[stub_b][1]
    [(count, sources, n_stories)] = rows(db_url, f"SELECT s.article_count, s.source_count, (SELECT count(*) FROM stories)"
                                                 f" FROM stories s JOIN articles x ON x.story_id = s.id"
                                                 f" WHERE x.url = '{original}'")
    assert (count, sources) == (3, 2)
    assert n_stories == len(got) - 2  # every article its own story but the copy and the follow-up

    result = scraper("--config", cfg, "relink", "--batch-size", "4")
    assert result.code == 0, result.err
    assert f"relinked 4/{len(got)} articles" in result.out and "done: " in result.out
    assert links(db_url) == got


def test_relink_with_a_bad_batch_size_is_one_line_and_exit_2(scraper, tmp_path):
    result = scraper("relink", "--batch-size", "0")
    assert result.code == 2
    assert result.err.strip().count("\n") == 0 and "--batch-size" in result.err


def test_db_upgrade_lets_the_reader_role_log_in_with_the_configured_password(scraper, db_url):
    scraper.env["SCRAPER_READER_PASSWORD"] = "e2e-reader-secret"
    result = scraper("db", "upgrade")
    assert result.code == 0, result.err
    conn = psycopg2.connect(psycopg2.extensions.make_dsn(db_url, user="scraper_reader",
                                                         password="e2e-reader-secret"))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_user, count(*) FROM latest_articles")
            assert cur.fetchone() == ("scraper_reader", 0)
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("INSERT INTO stories (title) VALUES ('x')")
    finally:
        conn.close()
