"""What the spider hands the item pipeline: a fetched page, or a page that could not be had."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class PageFetched:
    """An HTML page fetched from an article link; extraction happens in the pipeline."""

    requested_url: str  # the address asked for, before redirects
    final_url: str  # the address that answered
    html: str
    fetched_at: datetime
    aliases: tuple[str, ...] = ()  # other addresses it was listed under (raw), e.g. with tracking parameters


@dataclass
class PageFailure:
    """A page that could not be fetched or used: logged against the run, never fatal."""

    url: str
    message: str
    gone: bool = False  # the server said the page is no more (404/410): stop revisiting that article
