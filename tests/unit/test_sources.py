"""The sources file: a good file loads; every kind of bad file is refused naming file, source and key."""

from __future__ import annotations

import pytest

from scraper.errors import ConfigError
from scraper.sources import load_sources

GOOD = """
[[sources]]
name = "world"
start_urls = ["https://example.com/world/rss.xml", "https://www.example.com/world/"]
schedule = "*/30 * * * *"
max_age_days = 3

[[sources]]
name = "tech"
start_urls = ["https://tech.example.org/sitemap.xml"]
allowed_domains = ["example.org"]
interval_minutes = 15
max_pages = 50
[sources.settings]
DOWNLOAD_DELAY = 1.5
"""


def write(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


def test_good_file_loads_with_defaults(tmp_path):
    config = load_sources(write(tmp_path, GOOD))
    world, tech = config.sources
    assert world.allowed_domains == ("example.com", "www.example.com")  # default: start URL hosts
    assert world.max_pages == 1000 and world.max_age_days == 3 and world.interval_minutes is None
    assert tech.settings["DOWNLOAD_DELAY"] == 1.5 and tech.max_pages == 50
    assert "SCRAPER_BATCH_SIZE" not in tech.settings  # the environment's value (or the default) applies
    assert tech.allows("https://news.example.org/a") and not tech.allows("https://example.com/a")
    assert config.get("tech") is tech
    assert config.source_for_url("https://www.example.com/x") is world
    assert config.allow_private_addresses is False


@pytest.mark.parametrize("change, words", [
    (('schedule = "*/30 * * * *"', 'schedule = "*/30 * * *"'), ["'world'", "'schedule'", "5-field"]),
    (('schedule = "*/30 * * * *"', 'schedule = "61 * * * *"'), ["'world'", "'schedule'", "bad cron"]),
    (('max_age_days = 3', 'max_age_days = 3\nmax_pagez = 3'), ["'world'", "unknown key 'max_pagez'"]),
    (('name = "tech"', 'name = "world"'), ["'world'", "'name'", "twice"]),
    (('"https://tech.example.org/sitemap.xml"', '"ftp://tech.example.org/x"'), ["'tech'", "'start_urls'"]),
    (('interval_minutes = 15', 'interval_minutes = 0'), ["'tech'", "'interval_minutes'"]),
    (('interval_minutes = 15', ''), ["'tech'", "'schedule'", "'interval_minutes'"]),
    (('max_pages = 50', 'max_pages = "50"'), ["'tech'", "'max_pages'"]),
    (('allowed_domains = ["example.org"]', 'allowed_domains = "example.org"'), ["'tech'", "'allowed_domains'"]),
    (('[[sources]]\nname = "world"', '[[sources]]\nname = "world'), ["not valid TOML"]),
    (('max_pages = 50', 'max_pages = 50\n[sources.extraction]\nbody = "div[["'), ["'tech'", "'extraction.body'"]),
    (('max_pages = 50', 'max_pages = 50\n[sources.extraction]\nbodies = "div"'), ["'tech'", "'extraction.bodies'"]),
    # [sources.settings]: Scrapy's names with the types of their defaults, and the service's own knobs
    (('DOWNLOAD_DELAY = 1.5', 'DOWNLOAD_DELAY = "fast"'), ["'tech'", "'settings.DOWNLOAD_DELAY'", "a number"]),
    (('DOWNLOAD_DELAY = 1.5', 'DOWNLOAD_DELAYY = 1.5'), ["'tech'", "'settings.DOWNLOAD_DELAYY'",
                                                         "did you mean 'DOWNLOAD_DELAY'"]),
    (('DOWNLOAD_DELAY = 1.5', 'AUTOTHROTTLE_ENABLED = "no"'), ["'settings.AUTOTHROTTLE_ENABLED'", "true or false"]),
    (('DOWNLOAD_DELAY = 1.5', 'ROBOTS_TXT = true'), ["unknown key 'settings.ROBOTS_TXT'", "SCRAPER_BATCH_SIZE"]),
    (('DOWNLOAD_DELAY = 1.5', 'SCRAPER_BATCH_SIZE = 0'), ["'settings.SCRAPER_BATCH_SIZE'", "at least 1"]),
    (('DOWNLOAD_DELAY = 1.5', 'SCRAPER_EXTRACT_WORKERS = "two"'), ["'settings.SCRAPER_EXTRACT_WORKERS'",
                                                                  "whole number"]),
    (('DOWNLOAD_DELAY = 1.5', 'SCRAPER_RUN_ID = 3'), ["unknown key 'settings.SCRAPER_RUN_ID'"]),
    (('DOWNLOAD_DELAY = 1.5', 'ITEM_PIPELINES = "none"'), ["'settings.ITEM_PIPELINES'", "a table"]),
])
def test_bad_file_is_refused_naming_file_source_and_key(tmp_path, change, words):
    path = write(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    message = str(err.value)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message
    assert err.value.exit_code == 2


def test_extraction_selectors_are_read_into_site_rules(tmp_path):
    text = GOOD.replace('max_pages = 50', 'max_pages = 50\n[sources.extraction]\nbody = "div.story"\n'
                        'headlines = "aside.latest a, .related li > a"\nexclude = ".ad, .newsletter"')
    world, tech = load_sources(write(tmp_path, text)).sources
    assert tech.extraction.body == "div.story" and tech.extraction.exclude == ".ad, .newsletter"
    assert tech.extraction.headlines == "aside.latest a, .related li > a"
    assert world.extraction.body is None  # no rules: the heuristics alone


def test_unknown_source_name_lists_the_known_ones(tmp_path):
    config = load_sources(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match=r"no source named 'sport' \(known: world, tech\)"):
        config.get("sport")


def test_missing_file_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError, match="--config"):
        load_sources(tmp_path / "nope.toml")


def test_shipped_sources_file_is_valid():
    from pathlib import Path

    config = load_sources(Path(__file__).resolve().parents[2] / "sources.toml")
    assert len(config.sources) >= 3
    assert all(s.start_urls and s.allowed_domains for s in config.sources)


def test_revisit_max_age_days_defaults_and_zero_disables(tmp_path):
    world, tech = load_sources(write(tmp_path, GOOD.replace("max_pages = 50", "max_pages = 50\nrevisit_max_age_days = 0"))).sources
    assert world.revisit_max_age_days == 3 and tech.revisit_max_age_days == 0


@pytest.mark.parametrize("value", ["-1", '"3"', "true", "1.5", "99999"])
def test_a_bad_revisit_max_age_days_is_refused_naming_source_and_key(tmp_path, value):
    path = write(tmp_path, GOOD.replace("max_pages = 50", f"max_pages = 50\nrevisit_max_age_days = {value}"))
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    assert "'tech'" in str(err.value) and "'revisit_max_age_days'" in str(err.value) and str(path) in str(err.value)


def test_service_knobs_in_sources_settings_are_parsed_to_their_type(tmp_path):
    text = GOOD.replace("DOWNLOAD_DELAY = 1.5", "DOWNLOAD_DELAY = 2\nSCRAPER_SPOOL_WAIT = 5\nSCRAPER_BATCH_SIZE = 7")
    tech = load_sources(write(tmp_path, text)).get("tech")
    assert tech.settings["SCRAPER_SPOOL_WAIT"] == 5.0 and isinstance(tech.settings["SCRAPER_SPOOL_WAIT"], float)
    assert tech.settings["SCRAPER_BATCH_SIZE"] == 7 and tech.settings["DOWNLOAD_DELAY"] == 2
