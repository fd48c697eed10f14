"""The test site's stories: deterministic headlines, bylines and article text."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime

_ACTORS = [
    "The government", "Local officials", "The finance minister", "Opposition leaders",
    "A spokesperson for the ministry", "Analysts in the capital", "The central bank",
    "Residents of the northern district", "The city council", "Union representatives",
    "Health authorities", "The foreign ministry", "Investigators", "Several lawmakers",
    "The regional governor", "Emergency services", "Economists at two large banks",
    "The prime minister", "Independent observers", "Farmers in the region",
]
_SAYS = [
    "said on Tuesday that", "warned that", "confirmed that", "argued that", "told reporters that",
    "announced that", "acknowledged that", "insisted that", "suggested that",
    "noted in a written statement that", "said late on Thursday that", "repeated that",
]
_THINGS = [
    "the housing programme", "the rail project", "public transport", "the energy subsidy",
    "the hospital expansion", "the water network", "the school budget", "the border crossing",
    "the pension reform", "the coastal defences", "the new airport terminal", "rural broadband",
    "the fisheries agreement", "the tax overhaul", "the flood barrier", "the steel plant",
]
_PARTIES = [
    "the neighbouring states", "the trade unions", "the European partners", "the coalition",
    "the main opposition party", "the regional authorities", "the employers' federation",
    "the teachers' association", "the port operators", "the mayors of the larger towns",
]
_CLAUSES = [
    "{thing} would be reviewed before the end of the year",
    "the new rules could take effect as early as next month",
    "talks with {party} had made little progress so far",
    "the cost of {thing} had risen sharply since the spring",
    "{party} needed more time to study the proposal in detail",
    "the decision about {thing} was not taken lightly",
    "funding for {thing} would be doubled over the next {n} years",
    "there was no evidence of wrongdoing by {party}",
    "the situation in {city} remained tense but under control",
    "a final agreement with {party} was still some weeks away",
    "about {n} per cent of households in {city} depended on {thing}",
    "{name} had been asked to lead an independent review of {thing}",
]
_STANDALONE = [
    "The announcement came after weeks of speculation in {city}.",
    "Critics said the measures did not go far enough.",
    "Officials declined to give a precise timetable for {thing}.",
    "The future of {thing} has been debated for more than a decade.",
    "Turnout at the public hearings in {city} was higher than expected.",
    "Some residents said they had heard nothing about the plans until this week.",
    "According to figures published on Monday, {big} people were affected.",
    "A report is expected to be presented to parliament in {month}.",
    "The motion passed by {n2} votes to {n}.",
    "Markets reacted calmly to the news, and the currency barely moved.",
    "\u201cWe have listened, and we will act,\u201d {name} said at a packed meeting in {city}.",
    "{name}, who has followed the issue for years, called the outcome \u201ca fragile compromise\u201d.",
    "Neither side would say how long the negotiations with {party} might last.",
    "In {city}, shopkeepers complained that {thing} had been delayed again.",
]
_HEADLINES = [
    "Plan to Overhaul {Thing} in {City} Wins Backing From {Actor}",
    "Talks on {Thing} Stall as {Party} Walk Out",
    "Protesters Gather in {City} as Vote on {Thing} Nears",
    "Costs of {Thing} Rise for a Third Year Running",
    "Inquiry Opens Into Handling of {Thing} in {City}",
    "New Figures Show Mounting Pressure on {Thing}",
    "{Name} Promises Review of {Thing} After Criticism",
    "{City} Braces for Delays as Work on {Thing} Resumes",
]
_CITIES = ["Northport", "Eastwick", "Lowmoor", "Ashford Vale", "Kingsbridge", "Riverton",
           "Millbrook", "Stonehaven", "Westerly", "Harrowgate", "Fairhaven", "Oakridge"]
_FIRST = ["Maria", "John", "Aisha", "Tomasz", "Elena", "David", "Priya", "Kenji", "Sofia",
          "Omar", "Grace", "Lukas", "Hannah", "Mateo", "Ingrid", "Samuel"]
_LAST = ["Okafor", "Lindqvist", "Moreau", "Kowalski", "Haddad", "Fischer", "Nakamura", "Reyes",
         "O'Brien", "Petrov", "Mensah", "Alvarez", "Schmidt", "Banerjee", "Costa", "Walsh"]
_MONTHS = ["January", "March", "April", "June", "September", "October", "November"]
TAGS = ["economy", "transport", "health", "energy", "housing", "elections", "ukraine", "climate"]


@dataclass(frozen=True)
class Story:
    """One article page's content, independent of where the site serves it."""

    path: str
    title: str
    author: str
    published_at: datetime
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...] = ()
    modified_at: datetime | None = None
    # Headline blocks around the article: (("Latest", ((title, href), ...)), ("Most read", ...))
    sidebar: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = field(default=())

    @property
    def body(self) -> str:
        """Return the article text as extraction should find it: paragraphs split by blank lines."""
        return "\n\n".join(self.paragraphs)

    def revised(self, body: str, when: datetime) -> Story:
        """Return this story with a new body (paragraphs split on blank lines), modified at `when`."""
        paragraphs = tuple(p.strip() for p in re.split(r"\n\s*\n", body) if p.strip())
        return replace(self, paragraphs=paragraphs, modified_at=when)


def person(rng: random.Random) -> str:
    """Return a made-up full name."""
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def headline(rng: random.Random) -> str:
    """Return a made-up news headline in title case."""
    thing = rng.choice(_THINGS).removeprefix("the ")
    return rng.choice(_HEADLINES).format(
        Actor=rng.choice(_ACTORS).replace("The ", "").title().replace("'S", "'s"),
        Thing=thing.title().replace("'S", "'s"), Party=rng.choice(_PARTIES).removeprefix("the ").title().replace("'S", "'s"),
        City=rng.choice(_CITIES), Name=person(rng),
    )


def paragraphs(rng: random.Random) -> tuple[str, ...]:
    """Return 5 to 10 paragraphs of 40 to 80 words of plausible news prose."""
    return tuple(_paragraph(rng) for _ in range(rng.randint(5, 10)))


def _paragraph(rng: random.Random) -> str:
    """Return one paragraph of 40 to 80 words."""
    target = rng.randint(40, 70)
    sentences: list[str] = []
    words = 0
    while words < target:
        sentence = _sentence(rng)
        if sentence in sentences:  # a repeated remark reads like a template, and dedups oddly
            continue
        if words >= 40 and words + len(sentence.split()) > 80:
            break
        sentences.append(sentence)
        words += len(sentence.split())
    return " ".join(sentences)


class _Slots(dict[str, object]):
    """Template slot values drawn only when a template uses them (big sites build fast)."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> object:
        rng = self.rng
        value = {
            "thing": lambda: rng.choice(_THINGS), "party": lambda: rng.choice(_PARTIES),
            "city": lambda: rng.choice(_CITIES), "name": lambda: person(rng),
            "n": lambda: rng.randint(3, 40), "n2": lambda: rng.randint(41, 90),
            "big": lambda: f"{rng.randint(1, 90) * 1000 + rng.randint(0, 999):,}",
            "month": lambda: rng.choice(_MONTHS),
        }[key]()
        self[key] = value
        return value


def _sentence(rng: random.Random) -> str:
    """Return one sentence, either reported speech or a standalone remark."""
    slots = _Slots(rng)
    if rng.random() < 0.4:
        return rng.choice(_STANDALONE).format_map(slots)
    clause = rng.choice(_CLAUSES).format_map(slots)
    return f"{rng.choice(_ACTORS)} {rng.choice(_SAYS)} {clause}."


def slugify(text: str, limit: int = 80) -> str:
    """Return a lower-case hyphenated ASCII slug of `text`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:  # cut at a word boundary: half words look like broken URLs
        slug = slug[: limit + 1].rsplit("-", 1)[0]
    return slug
