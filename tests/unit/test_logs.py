"""Log lines: one line per event, tagged with source and run, with no secret in them."""

from __future__ import annotations

import io
import logging

import pytest

from scraper.logs import OneLineFormatter, redact


def test_passwords_in_urls_and_dsns_and_given_secrets_are_masked():
    line = ("cannot connect to postgresql://scraper:hunter2@db:5432/news; dsn host=db password=hunter2 "
            "token tok-123 in https://user:pw@example.com/x")
    masked = redact(line, ("tok-123",))
    assert "hunter2" not in masked and "tok-123" not in masked and ":pw@" not in masked
    assert "postgresql://scraper:***@db:5432/news" in masked and "https://user:***@example.com/x" in masked


def test_a_record_with_a_traceback_is_one_line_with_its_context():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OneLineFormatter({"source": "bbc", "run": 42}, ("s3cret",)))
    logger = logging.getLogger("test.logs")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("bad page\nsecond line with s3cret")
        except ValueError:
            logger.error("storing failed", exc_info=True)
        logger.error("about another run", extra={"run": 7})
    finally:
        logger.removeHandler(handler)
    first, second = stream.getvalue().splitlines()
    assert "source=bbc run=42: storing failed | Traceback" in first and "ValueError: bad page" in first
    assert "s3cret" not in first and "***" in first
    assert "source=bbc run=7: about another run" in second


@pytest.mark.parametrize(("url", "masked"), [
    ("postgresql://scraper:s3cret@db.example:5432/news", "postgresql://scraper:***@db.example:5432/news"),
    ("postgres://:s3cret@db.example/news", "postgres://:***@db.example/news"),
    ("postgresql://scraper@db.example/news", "postgresql://scraper@db.example/news"),
    ("postgresql://postgres:@/postgres?host=/tmp/x", "postgresql://postgres:@/postgres?host=/tmp/x"),
    ("host=db.example password=s3cret dbname=news", "host=db.example password=*** dbname=news"),
    ("postgresql://u@h/db?password=s3cret&sslmode=require", "postgresql://u@h/db?password=***&sslmode=require"),
])
def test_database_url_passwords_are_masked(url, masked):
    assert redact(url) == masked
