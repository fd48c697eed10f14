-- 0004_dedup_stories: near-duplicate and story indexes, downstream views, full-text search,
-- a read-only role and change notifications (documented in docs/schema.md).

-- One row per article that linking has seen, so candidates are verified without
-- reading bodies: the MinHash signature of the body (128 little-endian uint32) and
-- the sorted 32-bit hashes of its story terms (title and lead words, little-endian uint32).
CREATE TABLE article_fingerprints (
    article_id      bigint      PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    body_signature  bytea,                 -- NULL: body too short to judge as a copy
    story_terms     bytea,                 -- NULL: too few title/lead words to place in a story
    shingle_count   integer     NOT NULL,
    event_at        timestamptz NOT NULL   -- publication time (not after first fetch), else first fetch
);

-- LSH band keys of body signatures: articles sharing a key are near-duplicate candidates.
-- No foreign key, so that writing the keys stays one index insert per key;
-- readers join articles, and `scraper relink` rebuilds the table.
CREATE TABLE dedup_bands (
    band_key   bigint NOT NULL,
    article_id bigint NOT NULL,
    PRIMARY KEY (band_key, article_id)
);

-- LSH band keys of story-term MinHashes, with the event time: candidates are looked
-- up within the story window only, so the cost does not grow with the archive.
CREATE TABLE story_bands (
    band_key   bigint      NOT NULL,
    event_at   timestamptz NOT NULL,
    article_id bigint      NOT NULL
);
CREATE INDEX story_bands_key_time_idx ON story_bands (band_key, event_at);

ALTER TABLE stories ADD COLUMN article_count integer NOT NULL DEFAULT 0;
ALTER TABLE stories ADD COLUMN source_count  integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN stories.article_count IS 'articles in the story, near-duplicate copies included';
COMMENT ON COLUMN stories.source_count IS 'distinct sources with an article in the story';
CREATE INDEX stories_last_seen_idx ON stories (last_seen_at DESC);

-- Full-text search over title (weight A) and body (weight B). 'simple' config:
-- sources write in many languages and a stemmer for the wrong one does harm;
-- query with the same config, e.g. search @@ websearch_to_tsquery('simple', 'nato summit').
ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')
) STORED;
CREATE INDEX articles_search_idx ON articles USING gin (search);
-- Newest articles (latest_articles ORDER BY first_seen_at DESC) and relink's oldest-first walk.
CREATE INDEX articles_first_seen_idx ON articles (first_seen_at, id);

-- Consumers LISTEN scraper_articles: the payload is the article id, sent at
-- commit when an article is stored or its content (title or body) changes.
CREATE FUNCTION scraper_notify_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('scraper_articles', NEW.id::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER articles_notify_insert AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION scraper_notify_article();
CREATE TRIGGER articles_notify_revise AFTER UPDATE OF content_hash ON articles
    FOR EACH ROW WHEN (OLD.content_hash IS DISTINCT FROM NEW.content_hash)
    EXECUTE FUNCTION scraper_notify_article();

-- Latest articles with their story: ORDER BY first_seen_at DESC for the newest.
CREATE VIEW latest_articles AS
SELECT a.id, a.url, a.source, a.title, a.published_at, a.first_seen_at, a.last_seen_at,
       a.changed_at, a.language, a.duplicate_of, a.story_id,
       s.title AS story_title, s.article_count AS story_article_count,
       s.source_count AS story_source_count,
       s.first_seen_at AS story_first_seen_at, s.last_seen_at AS story_last_seen_at
FROM articles AS a
LEFT JOIN stories AS s ON s.id = a.story_id;

-- A story's timeline: every version of every article of the story, one row each;
-- event 'published' for an article's first version, 'revised' for later ones.
-- ORDER BY story_id, at, article_id, version.
CREATE VIEW story_timeline AS
SELECT a.story_id, v.fetched_at AS at,
       CASE WHEN v.version = 1 THEN 'published' ELSE 'revised' END AS event,
       a.id AS article_id, v.version, a.source, a.url, v.title, a.duplicate_of
FROM articles AS a
JOIN article_versions AS v ON v.article_id = a.id
WHERE a.story_id IS NOT NULL;

-- Headlines a source promotes now: listed in the sidebars of that source's pages
-- fetched by its latest crawl (sightings at or after the start of its latest
-- crawl run; without runs, at its latest sighting). since = the first time the
-- source listed it; last_seen_at = the latest. ORDER BY source, since.
CREATE VIEW promoted_headlines AS
WITH per_source AS (
    SELECT a.source, s.headline_id, min(s.seen_at) AS since, max(s.seen_at) AS last_seen_at
    FROM headline_sightings AS s
    JOIN articles AS a ON a.id = s.article_id
    GROUP BY a.source, s.headline_id
), cutoff AS (
    SELECT p.source,
           coalesce((SELECT max(r.started_at) FROM crawl_runs AS r
                     WHERE r.source = p.source AND r.started_at <= max(p.last_seen_at)),
                    max(p.last_seen_at)) AS current_from
    FROM per_source AS p
    GROUP BY p.source
)
SELECT p.source, h.id AS headline_id, h.title, h.url, h.article_id, p.since, p.last_seen_at
FROM per_source AS p
JOIN cutoff AS c ON c.source = p.source
JOIN headlines AS h ON h.id = p.headline_id
WHERE p.last_seen_at >= c.current_from;

-- A read-only role for downstream readers. NOLOGIN here: `scraper db upgrade`
-- gives it LOGIN and the password in SCRAPER_READER_PASSWORD, so no secret is
-- in this file. Roles are per server: the role may exist already (another
-- database on the same server), which is fine.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'scraper_reader') THEN
        CREATE ROLE scraper_reader NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created meanwhile by a migration of another database
END;
$$;
GRANT USAGE ON SCHEMA public TO scraper_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO scraper_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO scraper_reader;
