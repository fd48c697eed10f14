"""The durable spool on its own: round trip of pages, claims, orphans of dead processes."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from scraper.extraction.model import Article, Headline
from scraper.storage.pages import FetchedPage
from scraper.storage.spool import Spool, decode_page, encode_page


def page(n: int = 0) -> FetchedPage:
    article = Article(url=f"https://news.example/{n}", title="T\u00fc \x00 <script>", body="B\n\nC",
                      published_at=datetime(2026, 3, 1, 8, tzinfo=UTC), authors=("Ann", "Bo"),
                      language="en", headlines=(Headline("H", "https://news.example/h", block="Most read"),
                                                Headline("H", "https://news.example/h")))
    return FetchedPage(source="s", requested_url=f"https://news.example/{n}?utm_source=x",
                       final_url=f"https://news.example/{n}", article=article, aliases=(f"https://news.example/{n}?a",),
                       fetched_at=datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC))


def test_a_page_survives_the_round_trip_exactly():
    assert decode_page(encode_page(page())) == page()


def test_rows_are_kept_until_removed_and_survive_reopening(tmp_path):
    spool = Spool(tmp_path)
    ids = [spool.append(7, page(n)) for n in range(3)]
    spool.remove(ids[:1])
    spool.close()
    again = Spool(tmp_path)
    assert again.claim_orphans() == 2
    assert [(s.run_id, s.page) for s in again.batch(10)] == [(7, page(1)), (7, page(2))]
    again.close()


def test_rows_of_a_killed_process_are_claimed_once_those_of_a_live_one_never(tmp_path):
    code = ("import os, sys; from scraper.storage.spool import Spool; from tests.unit.test_spool import page; "
            "Spool(__import__('pathlib').Path(sys.argv[1])).append(3, page(9)); os.kill(os.getpid(), 9)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)])  # appends, then dies by SIGKILL
    live = Spool(tmp_path)
    live.append(4, page(1))
    other = Spool(tmp_path)  # another owner, as another crawl process would be
    assert live.claim_orphans() == 1
    assert [s.page for s in live.batch(10)] == [page(9), page(1)]
    assert other.claim_orphans() == 0  # the live owner keeps its rows
    assert other.batch(10) == []
    live.close()  # gone (cleanly, with rows left): they are free
    assert other.claim_orphans() == 2
    assert other.count() == 2  # every row is its now
    other.close()


def test_pages_beyond_the_memory_cap_are_read_back_from_disk_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr("scraper.storage.spool.HELD_MAX", 2)  # a long outage: most pages wait on disk only
    spool = Spool(tmp_path)
    ids = [spool.append(5, page(n)) for n in range(4)]
    assert [(s.id, s.page) for s in spool.batch(10)] == [(i, page(n)) for n, i in enumerate(ids)]
    spool.remove(ids)
    assert spool.batch(10) == [] and spool.count() == 0
    spool.close()
