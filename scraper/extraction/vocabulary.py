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
