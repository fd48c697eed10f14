"""Every word list extraction's rules use, in one place: one token per line, grouped by concept and language.

The rules themselves (links.py, zones.py, label.py, headlines.py, metadata.py) build their
patterns from these sets; a new word goes here, never into a rule.
"""

from __future__ import annotations

# --- story URLs (links.is_story_url; used by the crawler's listings and by extraction) ---------

# Path segments of pages that are never one story: indexes, profiles, utilities, commerce.
NOT_STORY_SEGMENTS = frozenset({
    # indexes and taxonomies
    "tag",
    "tags",
    "topic",
    "topics",
    "category",
    "categories",
    "section",
    "sections",
    "archive",
    "archives",
    "search",
    "sitemap",
    "feed",
    "feeds",
    "rss",
    "atom",
    # people
    "author",
    "authors",
    "people",
    "person",
    "profile",
    "profiles",
    "user",
    "users",
    "members",
    "staff",
    "contributors",
    # accounts
    "login",
    "logout",
    "signin",
    "sign-in",
    "signup",
    "sign-up",
    "register",
    "account",
    "my-account",
    "subscribe",
    "subscription",
    "subscriptions",
    "newsletter",
    "newsletters",
    "wp-admin",
    "wp-login.php",
    # house pages
    "about",
    "about-us",
    "contact",
    "contact-us",
    "privacy",
    "privacy-policy",
    "terms",
    "terms-of-service",
    "terms-of-use",
    "terms-and-conditions",
    "cookies",
    "cookie-policy",
    "legal",
    "help",
    "faq",
    "careers",
    "jobs",
    "advertise",
    # commerce and community
    "cart",
    "shop",
    "store",
    "classifieds",
    "forum",
    "forums",
    "threads",
    "discussion",
    # reference pages
    "wiki",
    "wikis",
    "maps",
    "map",
    "cheats",
})

# Section index names: not a story when the path ends there (/weather/), fine above a story slug.
SECTION_ONLY_SEGMENTS = frozenset({
    "live-tv",
    "livestream",
    "watch-live",
    "podcasts",
    "weather",
    "games",
    "shows",
    "schedule",
    "tv-schedule",
})

# A parent segment that says "one story below" (/story/some-title).
STORY_SEGMENTS = frozenset({
    "story",
    "stories",
    "article",
    "articles",
    "news",
    "post",
    "posts",
    "blog",
    "video",
    "videos",
    "gallery",
    "galleries",
    "opinion",
    "review",
    "reviews",
})

# Last segments that name a directory's index page.
INDEX_PAGE_NAMES = frozenset({
    "index.html",
    "index.htm",
    "index.php",
    "default.aspx",
    "home",
    "home.html",
})

# File extensions of media and data, never an article page.
MEDIA_EXTENSIONS = frozenset({
    # images
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "svg",
    "ico",
    "bmp",
    "tif",
    "tiff",
    "avif",
    # documents and archives
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "zip",
    "gz",
    "tgz",
    "rar",
    "7z",
    # audio and video
    "mp3",
    "mp4",
    "m4a",
    "m4v",
    "mov",
    "avi",
    "wmv",
    "webm",
    "mkv",
    "ogg",
    "wav",
    "flac",
    # code, data, fonts
    "css",
    "js",
    "json",
    "xml",
    "rss",
    "atom",
    "txt",
    "csv",
    "woff",
    "woff2",
    "ttf",
    "eot",
})

# Extensions of server-rendered pages ("/politics/story.html").
PAGE_EXTENSIONS = frozenset({
    "html",
    "htm",
    "shtml",
    "php",
    "asp",
    "aspx",
    "cms",
})

# Query parameters that carry a story id (?p=123, ?vid=565167712).
STORY_ID_PARAMETERS = frozenset({
    "p",
    "id",
    "story",
    "article",
    "vid",
    "video",
    "v",
})

# Query parameters that page through a listing (?page=3).
PAGINATION_PARAMETERS = frozenset({
    "page",
    "paged",
    "start",
    "offset",
})

# Conjunctions in two-word section slugs ("science-and-health", "kultur-und-medien").
SECTION_CONJUNCTIONS = frozenset({
    # en
    "and",
    "n",
    # de
    "und",
    # fr
    "et",
    # es
    "y",
    # pt, it
    "e",
})

# --- site identity (urls.same_site) ------------------------------------------------------------

# Second-level labels under two-letter country suffixes: the registrable name is one label more.
COUNTRY_SECOND_LEVELS = frozenset({
    "co",
    "com",
    "org",
    "net",
    "ac",
    "gov",
    "or",
    "ne",
})

# Hosting suffixes under which every subdomain is a site of its own (jane.blogspot.com).
SHARED_HOSTING_SUFFIXES = frozenset({
    "blogspot.com",
    "wordpress.com",
    "substack.com",
    "tumblr.com",
    "typepad.com",
    "livejournal.com",
    "github.io",
    "medium.com",
})

# --- links (links.LinkClassifier) --------------------------------------------------------------

# Address parts of follow/subscribe/app endpoints: calls to action, whichever site they are on.
SOCIAL_URL_MARKERS = (
    "sub_confirmation",
    "//m.me/",
    "messenger",
    "//wa.me/",
    "youtube.com/channel/",
    "youtube.com/c/",
    "youtube.com/user/",
    "apps.apple.com",
    "play.google.com/store",
    "/subscribe",
    "/newsletter",
)

# Link schemes and prefixes that never lead to a page.
NON_PAGE_PREFIXES = (
    "#",
    "javascript:",
    "mailto:",
    "tel:",
    "whatsapp:",
    "sms:",
    "data:",
)

# --- rails (rails.rail_label) ------------------------------------------------------------------

# Class/id tokens of the element that names a rail ("<div class='rail__title'>Most read</div>").
RAIL_HEADING_CLASS_TOKENS = (
    "heading",
    "header",
    "title",
    "hed",
)

# --- dates (dates.parse_date) --------------------------------------------------------------------

# Month names and their abbreviations as pages write them, lower case, per language.
MONTH_NAMES = {
    # en
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    # de
    "januar": 1,
    "jänner": 1,
    "februar": 2,
    "märz": 3,
    "maerz": 3,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "oktober": 10,
    "dezember": 12,
    "okt": 10,
    "dez": 12,
    # fr
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
    # es
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
    # pt
    "janeiro": 1,
    "fevereiro": 2,
    "março": 3,
    "maio": 5,
    "junho": 6,
    "julho": 7,
    "setembro": 9,
    "outubro": 10,
    "dezembro": 12,
    # it
    "gennaio": 1,
    "febbraio": 2,
    "aprile": 4,
    "maggio": 5,
    "giugno": 6,
    "luglio": 7,
    "settembre": 9,
    "ottobre": 10,
    "dicembre": 12,
    # nl
    "januari": 1,
    "februari": 2,
    "maart": 3,
    "mei": 5,
    "augustus": 8,
    # pl (genitive, as dates write them)
    "stycznia": 1,
    "lutego": 2,
    "marca": 3,
    "kwietnia": 4,
    "maja": 5,
    "czerwca": 6,
    "lipca": 7,
    "sierpnia": 8,
    "września": 9,
    "października": 10,
    "listopada": 11,
    "grudnia": 12,
}

# Class/id/itemprop tokens of elements that hold the publication date as text.
DATE_CLASS_TOKENS = (
    "date",
    "datum",
    "fecha",
    "data-publicacao",
    "time",
    "publish",
    "posted",
    "dateline",
    "byline",
    "entry-meta",
    "post-meta",
    "article-meta",
    "article-info",
)

# --- authors (metadata.find_authors) -----------------------------------------------------------

# Bylines that name a role, not who wrote it: dropped when they are the whole name.
GENERIC_BYLINES = frozenset({
    # en
    "staff",
    "staff writer",
    "staff reporter",
    "editor",
    "editors",
    "editorial",
    "editorial staff",
    "editorial team",
    "team",
    "desk",
    "web desk",
    "news desk",
    "newsroom",
    "admin",
    "administrator",
    "contributor",
    "guest",
    "guest author",
    "correspondent",
    "unknown",
    # de
    "redaktion",
    "autor",
    "gastautor",
    # fr
    "rédaction",
    "la rédaction",
    # es
    "redacción",
    "la redacción",
    # pt
    "redação",
    # it
    "redazione",
})

# --- class and id words (zones.py, content.py): regex fragments where marked, else plain substrings ---

# Regex fragments: a class/id holding one of these is boilerplate (unless CONTENT_CLASS_HINTS say otherwise).
BOILERPLATE_CLASS_PATTERNS = (
    "share",
    "social",
    "sharing",
    "newsletter",
    "signup",
    "sign-up",
    "subscri",
    "related",
    "promo",
    "advert",
    "^ads?$",
    "^ad[-_]",
    "[-_]ads?$",
    "[-_]ad[-_]",
    "dfp",
    "gpt",
    "sponsor",
    "outbrain",
    "taboola",
    "comment",
    "disqus",
    "byline",
    "author",
    "caption",
    "credit",
    "breadcrumb",
    "popular",
    "trending",
    "recommend",
    "sidebar",
    "footer",
    "masthead",
    "navbar",
    "^nav",
    "[-_]nav",
    "menu",
    "cookie",
    "consent",
    "modal",
    "popup",
    "overlay",
    "toolbar",
    "tags",
    "tag-list",
    "keywords",
    "topics",
    "read-?more",
    "more-stories",
    "teaser",
    "widget",
    "banner",
    "rail",
    "newsroom-links",
    "timestamp",
    "dateline",
    "meta-?data",
    "print",
    "jump",
    "skip",
    "donate",
    "paywall",
    "login",
    "alert",
    "hidden",
    "sr-only",
    "visually-hidden",
    "screen-reader",
    "off-?screen",
)

# Regex fragments: boilerplate whatever content hint sits beside them.
STRONG_BOILERPLATE_CLASS_PATTERNS = (
    "related",
    "share",
    "social",
    "newsletter",
    "promo",
    "advert",
    "sponsor",
    "outbrain",
    "taboola",
    "comment",
    "byline",
    "caption",
    "popular",
    "trending",
    "recommend",
    "read-?more",
    "more-stories",
)

# Words of the article container itself; they protect an element from the boilerplate words.
CONTENT_CLASS_HINTS = (
    "article",
    "body",
    "content",
    "entry",
    "main",
    "post",
    "story",
    "text",
    "prose",
    "blog",
    "page",
    "column",
    "container",
    "wrapper",
    "layout",
)

# Whole class tokens that hide an element (responsive layout classes are not among them).
HIDDEN_CLASS_TOKENS = (
    "hidden",
    "hide",
    "is-hidden",
    "d-none",
    "sr-only",
    "visually-hidden",
    "visuallyhidden",
    "screen-reader-text",
    "off-screen",
    "offscreen",
    "u-hidden",
    "element-invisible",
)

# Words that raise an element's score as the article container.
ARTICLE_CLASS_WORDS = (
    "article",
    "body",
    "content",
    "entry",
    "main",
    "post",
    "story",
    "text",
    "prose",
    "blog",
)

# Words that lower it.
NOT_ARTICLE_CLASS_WORDS = (
    "comment",
    "footer",
    "sidebar",
    "widget",
    "related",
    "promo",
    "share",
    "social",
    "menu",
    "nav",
    "ad-",
    "sponsor",
    "rail",
    "teaser",
)

# Words of the summary under the headline, which is not part of the body.
STANDFIRST_CLASS_WORDS = (
    "lead",
    "dek",
    "standfirst",
    "summary",
    "description",
    "intro",
    "subtitle",
    "excerpt",
    "teaser",
    "abstract",
)

# Words that say which label a boilerplate zone's blocks get (else "boilerplate").
ZONE_LABEL_WORDS = {
    "comment": "comments",
    "disqus": "comments",
    "byline": "byline",
    "author": "byline",
    "dateline": "byline",
    "timestamp": "byline",
    "caption": "caption",
    "credit": "caption",
    "nav": "navigation",
    "menu": "navigation",
    "breadcrumb": "navigation",
}
