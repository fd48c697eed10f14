-- 0007_story_merges: stories as centroids of rarity-weighted terms, merges recorded in
-- stories.merged_into, stable story ids across `scraper relink`, and promoted_headlines.since
-- as the start of the current promotion (documented in docs/schema.md).
-- Stories linked before this migration keep their ids; `scraper relink` rebuilds them by
-- the new method (their ids stay: the id of each story's earliest article's story).

-- A story another one was merged into, when later articles showed both are one event.
-- Held ids keep working: coalesce(merged_into, id) is the story to read (one hop: chains
-- are flattened when a merge target is merged in turn).
ALTER TABLE stories ADD COLUMN merged_into bigint REFERENCES stories (id);
CREATE INDEX stories_merged_into_idx ON stories (merged_into) WHERE merged_into IS NOT NULL;
COMMENT ON COLUMN stories.merged_into IS
    'the story this one was merged into (its articles moved there), else NULL';

-- Document frequencies of words (32-bit hashes of case-folded words) over the stored
-- articles, updated as articles are linked: the rarity weights of story terms.
CREATE TABLE term_frequencies (
    term     bigint  PRIMARY KEY,   -- CRC-32 of the word's UTF-8, 0 .. 2^32-1
    articles integer NOT NULL       -- articles holding the word
);
-- How many articles the frequencies count (one row).
CREATE TABLE term_totals (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    articles bigint  NOT NULL DEFAULT 0
);
INSERT INTO term_totals DEFAULT VALUES;
-- The same per source: words most of a source's articles hold (its name, sign-off, stock
-- phrases) are its template, not an event, and count less in its articles.
CREATE TABLE source_term_frequencies (
    source   text    NOT NULL,
    term     bigint  NOT NULL,
    articles integer NOT NULL,
    PRIMARY KEY (source, term)
);
CREATE TABLE source_totals (
    source   text   PRIMARY KEY,
    articles bigint NOT NULL
);

-- Each live story's centroid: the sum of its articles' unit term vectors, its heaviest
-- terms only (uint32 hashes then float32 weights, little-endian), and its event-time span.
CREATE TABLE story_centroids (
    story_id       bigint      PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
    centroid       bytea       NOT NULL,
    first_event_at timestamptz NOT NULL,
    last_event_at  timestamptz NOT NULL,
    articles       integer     NOT NULL
);

-- The candidate index: each article's heaviest terms at its event time (was story_bands,
-- MinHash band keys of title and lead words; emptied here, refilled by linking and relink).
ALTER TABLE story_bands RENAME TO story_keys;
ALTER TABLE story_keys RENAME COLUMN band_key TO term;
ALTER INDEX story_bands_key_time_idx RENAME TO story_keys_term_time_idx;
TRUNCATE story_keys;
-- The article's unit term vector (as story_centroids.centroid), was the story-term hashes.
ALTER TABLE article_fingerprints RENAME COLUMN story_terms TO story_vector;
UPDATE article_fingerprints SET story_vector = NULL WHERE story_vector IS NOT NULL;

-- While `scraper relink` runs: each article's story before it, so rebuilt stories take back
-- their ids (and stories that are gone point to where their earliest article went).
CREATE TABLE relink_stories (
    article_id bigint PRIMARY KEY,
    story_id   bigint NOT NULL
);

-- Headlines a source promotes now (as in 0004); since = the start of the current
-- promotion: the first sighting on that source after a gap of more than a day
-- without one (was: the first sighting ever).
CREATE OR REPLACE VIEW promoted_headlines AS
WITH sightings AS (
    SELECT a.source, s.headline_id, s.seen_at,
           lag(s.seen_at) OVER (PARTITION BY a.source, s.headline_id ORDER BY s.seen_at) AS previous
    FROM headline_sightings AS s
    JOIN articles AS a ON a.id = s.article_id
), per_source AS (
    SELECT source, headline_id,
           max(seen_at) FILTER (WHERE previous IS NULL OR seen_at - previous > interval '1 day') AS since,
           max(seen_at) AS last_seen_at
    FROM sightings
    GROUP BY source, headline_id
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
