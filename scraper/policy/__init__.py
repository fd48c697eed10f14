"""Pure policy: near-duplicates, stories, revisions, revisit timing and source health.

Plain functions and frozen dataclasses over text and numbers; no Scrapy, no
database, no scheduler. May import extraction and errors only.
"""
