"""Source health: is extraction still working on a site, and are its crawls finding articles?

Per-site extraction rots silently when a site changes its layout: pages still
download, but bodies come out empty, dates and titles vanish, or nothing is
recognised as an article any more. These checks turn the counts the database
already has into flags an operator can see (status, ops page, /metrics).
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_ARTICLES = 5  # below this, shares are noise: no share flag is raised
MAX_EMPTY_BODY = 0.2
MAX_NO_TITLE = 0.2
MAX_NO_DATE = 0.5
RUNS_WITHOUT_ARTICLES = 3  # this many finished runs in a row that stored nothing
RUNS_FAILED = 3  # this many failed runs in a row


@dataclass(frozen=True)
class RunOutcome:
    """One finished crawl run, as health sees it."""

    status: str
    pages: int
    articles: int  # new + updated + unchanged


@dataclass(frozen=True)
class SourceHealth:
    """Counts over a source's recent articles and runs, and the problems they show."""

    source: str
    articles: int = 0
    empty_body: int = 0
    no_date: int = 0
    no_title: int = 0
    runs: tuple[RunOutcome, ...] = ()  # newest first
    flags: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Return True when no problem was found."""
        return not self.flags

    def summary(self) -> str:
        """Return 'ok' or the flags joined, for one table cell."""
        return "ok" if self.ok else "; ".join(self.flags)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def assess(source: str, articles: int = 0, empty_body: int = 0, no_date: int = 0, no_title: int = 0,
           runs: tuple[RunOutcome, ...] = ()) -> SourceHealth:
    """Return the source's health, flagging shares and run streaks past the thresholds above."""
    flags = []
    if articles >= MIN_ARTICLES:
        for count, limit, what in ((empty_body, MAX_EMPTY_BODY, "empty body"),
                                   (no_title, MAX_NO_TITLE, "no title"),
                                   (no_date, MAX_NO_DATE, "no date")):
            if _share(count, articles) > limit:
                flags.append(f"{what} in {_share(count, articles):.0%} of {articles} recent articles")
    latest = runs[:RUNS_FAILED]
    if len(latest) == RUNS_FAILED and all(r.status == "failed" for r in latest):
        flags.append(f"the last {RUNS_FAILED} runs failed")
    latest = runs[:RUNS_WITHOUT_ARTICLES]
    if len(latest) == RUNS_WITHOUT_ARTICLES and all(r.status == "succeeded" and r.articles == 0 for r in latest):
        flags.append(f"the last {RUNS_WITHOUT_ARTICLES} runs stored no article "
                     "(layout change? check `scraper extract` on a page of the site)")
    return SourceHealth(source, articles, empty_body, no_date, no_title, runs, tuple(flags))
