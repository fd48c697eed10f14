-- 0001_initial: the first public schema (documented in docs/schema.md).
-- Applied once by scraper.db.migrate(); never edit after release, add 0002_*.sql instead.

-- Articles about the same event, across sources and time (filled by a later clustering step).
CREATE TABLE stories (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         text        NOT NULL DEFAULT '',
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE articles (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url           text        NOT NULL UNIQUE,          -- canonical URL
    source        text        NOT NULL,                 -- sources.toml name that first stored it
    title         text        NOT NULL DEFAULT '',
    body          text        NOT NULL DEFAULT '',
    content_hash  text        NOT NULL,                 -- sha256 hex of normalised title + body
    published_at  timestamptz,
    authors       text[]      NOT NULL DEFAULT '{}',
    language      text,
    image_url     text,
    paywalled     boolean     NOT NULL DEFAULT false,
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    changed_at    timestamptz NOT NULL,                 -- fetch time of the current version
    story_id      bigint REFERENCES stories (id) ON DELETE SET NULL,
    duplicate_of  bigint REFERENCES articles (id) ON DELETE SET NULL,
    CONSTRAINT articles_not_own_duplicate CHECK (duplicate_of <> id)
);
CREATE INDEX articles_source_last_seen_idx ON articles (source, last_seen_at DESC);
CREATE INDEX articles_published_at_idx ON articles (published_at DESC);
CREATE INDEX articles_story_id_idx ON articles (story_id) WHERE story_id IS NOT NULL;
CREATE INDEX articles_duplicate_of_idx ON articles (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- Every address an article was requested, redirected or canonicalised under.
CREATE TABLE article_urls (
    url           text        PRIMARY KEY,
    article_id    bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    first_seen_at timestamptz NOT NULL
);
CREATE INDEX article_urls_article_id_idx ON article_urls (article_id);

-- One row per distinct content of an article; version 1 is the first fetch.
CREATE TABLE article_versions (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id   bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version      integer     NOT NULL CHECK (version >= 1),
    title        text        NOT NULL,
    body         text        NOT NULL,
    content_hash text        NOT NULL,
    fetched_at   timestamptz NOT NULL,
    CONSTRAINT article_versions_article_version_key UNIQUE (article_id, version)
);

-- Links found in the headline sidebars of article pages.
CREATE TABLE headlines (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         text        NOT NULL,                 -- latest title seen
    url           text        NOT NULL UNIQUE,          -- canonical URL
    article_id    bigint      REFERENCES articles (id) ON DELETE SET NULL,
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL
);
CREATE INDEX headlines_article_id_idx ON headlines (article_id) WHERE article_id IS NOT NULL;

-- Each time a headline was listed on a fetched page, and where.
CREATE TABLE headline_sightings (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    headline_id bigint      NOT NULL REFERENCES headlines (id) ON DELETE CASCADE,
    article_id  bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    seen_at     timestamptz NOT NULL,
    position    integer     NOT NULL CHECK (position >= 0),
    title       text        NOT NULL,                   -- the title as shown in that sighting
    -- one headline per slot of one fetch: makes re-storing the same fetch a no-op
    CONSTRAINT headline_sightings_slot_key UNIQUE (article_id, seen_at, position)
);
CREATE INDEX headline_sightings_headline_idx ON headline_sightings (headline_id, seen_at);

CREATE TABLE crawl_runs (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source             text        NOT NULL,
    trigger            text        NOT NULL CHECK (trigger IN ('schedule', 'manual', 'api')),
    status             text        NOT NULL DEFAULT 'running'
                                   CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    pages_fetched      integer     NOT NULL DEFAULT 0,
    articles_new       integer     NOT NULL DEFAULT 0,
    articles_updated   integer     NOT NULL DEFAULT 0,
    articles_unchanged integer     NOT NULL DEFAULT 0,
    errors             integer     NOT NULL DEFAULT 0,
    error              text,                            -- the first error message
    pid                integer,
    hostname           text,
    CONSTRAINT crawl_runs_finished_when_done CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX crawl_runs_source_started_idx ON crawl_runs (source, started_at DESC);
CREATE INDEX crawl_runs_started_idx ON crawl_runs (started_at DESC);
CREATE INDEX crawl_runs_running_idx ON crawl_runs (source) WHERE status = 'running';

-- What failed during a run and why (pages that could not be fetched or stored).
CREATE TABLE crawl_errors (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      bigint      NOT NULL REFERENCES crawl_runs (id) ON DELETE CASCADE,
    url         text,
    message     text        NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crawl_errors_run_idx ON crawl_errors (run_id, occurred_at);
