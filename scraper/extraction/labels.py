"""The labels every block of a page gets exactly one of (the outputs are read off them)."""

from __future__ import annotations

BODY = "body"
HEADLINE = "headline list"
NAVIGATION = "navigation"
BOILERPLATE = "boilerplate"
BYLINE = "byline"
CAPTION = "caption"
COMMENTS = "comments"
TITLE = "title"

ALL = (BODY, HEADLINE, NAVIGATION, BOILERPLATE, BYLINE, CAPTION, COMMENTS, TITLE)
