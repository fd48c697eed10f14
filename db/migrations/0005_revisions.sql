-- 0005_revisions: content fingerprints, what changed between versions, revisit times, reads "as of".
-- Documented in docs/schema.md. Additive only: new nullable columns, indexes and functions.

-- The text with cosmetic noise removed, hashed (scraper.revisions.content_fingerprint): a fetch whose
-- fingerprint equals the article's is not a new version. NULL for rows stored before 0005 (the
-- next fetch fills it).
ALTER TABLE articles ADD COLUMN fingerprint text;
-- When a crawl of the article's source should fetch it again (scraper.revisit); NULL: never.
ALTER TABLE articles ADD COLUMN next_visit_at timestamptz;
CREATE INDEX articles_source_next_visit_idx ON articles (source, next_visit_at)
    WHERE next_visit_at IS NOT NULL;
-- Pages that name no other canonical address are matched to the source's articles by content.
CREATE INDEX articles_source_fingerprint_idx ON articles (source, fingerprint)
    WHERE fingerprint IS NOT NULL;

-- What each version changed against the one before it; NULL on version 1 (nothing to compare).
ALTER TABLE article_versions
    ADD COLUMN fingerprint    text,
    ADD COLUMN title_changed  boolean,
    ADD COLUMN body_changed   boolean,
    ADD COLUMN words_added    integer CHECK (words_added >= 0),
    ADD COLUMN words_removed  integer CHECK (words_removed >= 0),
    ADD COLUMN change_summary text;

-- Versions stored before 0005: which field changed can be told in SQL; word counts stay NULL.
UPDATE article_versions AS v SET
    title_changed = v.title IS DISTINCT FROM p.title,
    body_changed  = v.body IS DISTINCT FROM p.body
FROM article_versions AS p
WHERE p.article_id = v.article_id AND p.version = v.version - 1;

-- The article as it stood at `at`: the latest version fetched at or before `at`, with when it was
-- replaced (NULL while current). No row when the article had not been fetched yet by then.
CREATE FUNCTION article_as_of(p_article_id bigint, p_at timestamptz)
RETURNS TABLE (article_id bigint, url text, version integer, title text, body text,
               fetched_at timestamptz, superseded_at timestamptz)
LANGUAGE sql STABLE AS $$
    -- by fetch time, not version number: a fetch stored late (e.g. replayed from the spool) takes
    -- its place in time
    SELECT v.article_id, a.url, v.version, v.title, v.body, v.fetched_at,
           (SELECT min(n.fetched_at) FROM article_versions AS n
            WHERE n.article_id = v.article_id AND n.fetched_at > v.fetched_at)
    FROM article_versions AS v
    JOIN articles AS a ON a.id = v.article_id
    WHERE v.article_id = p_article_id AND v.fetched_at <= p_at
    ORDER BY v.fetched_at DESC, v.version DESC
    LIMIT 1
$$;

-- The same, for an address: any variant recorded in article_urls.
CREATE FUNCTION article_as_of_url(p_url text, p_at timestamptz)
RETURNS TABLE (article_id bigint, url text, version integer, title text, body text,
               fetched_at timestamptz, superseded_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT f.* FROM article_urls AS au, article_as_of(au.article_id, p_at) AS f
    WHERE au.url = p_url
$$;

COMMENT ON FUNCTION article_as_of(bigint, timestamptz) IS
    'the version of an article current at a given time (see docs/schema.md)';
COMMENT ON FUNCTION article_as_of_url(text, timestamptz) IS
    'article_as_of for any address of the article recorded in article_urls';
