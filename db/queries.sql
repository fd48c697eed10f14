-- Named query blocks, loaded once by scraper.storage.db.queries(); every one takes %(name)s
-- parameters. Batch writes (scraper.storage.db.execute_rows) take one array per column,
-- named after the fields of the NamedTuple the caller passes, and unnest them.

-- ---------------------------------------------------------------- migrations

-- name: migration_lock
SELECT pg_advisory_lock(%(key)s)

-- name: migration_unlock
SELECT pg_advisory_unlock(%(key)s)

-- name: create_schema_migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
    name       text        PRIMARY KEY,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)

-- name: applied_migrations
SELECT name, checksum FROM schema_migrations ORDER BY name

-- name: record_migration
INSERT INTO schema_migrations (name, checksum) VALUES (%(name)s, %(checksum)s)

-- ---------------------------------------------------------------- store

-- name: find_articles_by_url
SELECT au.url, a.id, a.fingerprint, a.title, a.body, a.first_seen_at, a.changed_at
FROM article_urls AS au
JOIN articles AS a ON a.id = au.article_id
WHERE au.url = ANY(%(urls)s)

-- name: insert_articles
-- The no-op DO UPDATE makes a row inserted meanwhile by another crawl come back
-- with its id and content (inserted = false), instead of failing the batch.
-- content_hash holds the fingerprint too (since 0009): one content hash.
INSERT INTO articles (url, source, title, body, content_hash, published_at, authors, language,
                      image_url, paywalled, first_seen_at, last_seen_at, changed_at,
                      fingerprint, next_visit_at)
SELECT v.url, v.source, v.title, v.body, v.fingerprint, v.published_at,
       ARRAY(SELECT jsonb_array_elements_text(v.authors)), v.language, v.image_url, v.paywalled,
       v.first_seen_at, v.last_seen_at, v.changed_at, v.fingerprint, v.next_visit_at
FROM unnest(%(url)s::text[], %(source)s::text[], %(title)s::text[], %(body)s::text[],
            %(published_at)s::timestamptz[], %(authors)s::jsonb[], %(language)s::text[],
            %(image_url)s::text[], %(paywalled)s::boolean[], %(first_seen_at)s::timestamptz[],
            %(last_seen_at)s::timestamptz[], %(changed_at)s::timestamptz[], %(fingerprint)s::text[],
            %(next_visit_at)s::timestamptz[])
     AS v(url, source, title, body, published_at, authors, language, image_url, paywalled,
          first_seen_at, last_seen_at, changed_at, fingerprint, next_visit_at)
ON CONFLICT (url) DO UPDATE SET url = EXCLUDED.url
RETURNING id, url, fingerprint, title, body, first_seen_at, changed_at, (xmax = 0) AS inserted

-- name: update_changed_articles
-- Fields the new extraction did not find keep their old value.
UPDATE articles AS a SET
    title        = v.title,
    body         = v.body,
    content_hash = v.fingerprint,
    published_at = coalesce(v.published_at, a.published_at),
    authors      = CASE WHEN jsonb_array_length(v.authors) > 0
                        THEN ARRAY(SELECT jsonb_array_elements_text(v.authors)) ELSE a.authors END,
    language     = coalesce(v.language, a.language),
    image_url    = coalesce(v.image_url, a.image_url),
    paywalled    = v.paywalled,
    changed_at   = v.changed_at,
    last_seen_at = greatest(a.last_seen_at, v.last_seen_at),
    fingerprint  = v.fingerprint,
    next_visit_at = v.next_visit_at
FROM unnest(%(id)s::bigint[], %(title)s::text[], %(body)s::text[], %(published_at)s::timestamptz[],
            %(authors)s::jsonb[], %(language)s::text[], %(image_url)s::text[], %(paywalled)s::boolean[],
            %(changed_at)s::timestamptz[], %(last_seen_at)s::timestamptz[], %(fingerprint)s::text[],
            %(next_visit_at)s::timestamptz[])
     AS v(id, title, body, published_at, authors, language, image_url, paywalled, changed_at,
          last_seen_at, fingerprint, next_visit_at)
WHERE a.id = v.id

-- name: touch_articles
-- Rows stored before migration 0005 get their fingerprint on their next fetch.
UPDATE articles AS a SET last_seen_at = greatest(a.last_seen_at, v.seen_at),
                         fingerprint = coalesce(a.fingerprint, v.fingerprint),
                         next_visit_at = v.next_visit_at
FROM unnest(%(id)s::bigint[], %(seen_at)s::timestamptz[], %(fingerprint)s::text[],
            %(next_visit_at)s::timestamptz[]) AS v(id, seen_at, fingerprint, next_visit_at)
WHERE a.id = v.id

-- name: insert_article_versions
-- Numbered after the article's existing versions, in fetch order.
INSERT INTO article_versions (article_id, version, title, body, content_hash, fetched_at, fingerprint,
                              title_changed, body_changed, words_added, words_removed, change_summary)
SELECT v.article_id,
       coalesce((SELECT max(av.version) FROM article_versions AS av
                 WHERE av.article_id = v.article_id), 0)
       + row_number() OVER (PARTITION BY v.article_id ORDER BY v.fetched_at, v.ord),
       v.title, v.body, v.fingerprint, v.fetched_at, v.fingerprint,
       v.title_changed, v.body_changed, v.words_added, v.words_removed, v.change_summary
FROM unnest(%(article_id)s::bigint[], %(title)s::text[], %(body)s::text[],
            %(fetched_at)s::timestamptz[], %(fingerprint)s::text[], %(title_changed)s::boolean[],
            %(body_changed)s::boolean[], %(words_added)s::int[], %(words_removed)s::int[],
            %(change_summary)s::text[])
     WITH ORDINALITY
     AS v(article_id, title, body, fetched_at, fingerprint, title_changed, body_changed,
          words_added, words_removed, change_summary, ord)

-- name: insert_article_urls
-- An address already known keeps its first article.
INSERT INTO article_urls (url, article_id, first_seen_at)
SELECT * FROM unnest(%(url)s::text[], %(article_id)s::bigint[], %(first_seen_at)s::timestamptz[])
ON CONFLICT (url) DO NOTHING

-- name: link_headlines
-- Headlines stored before the article they point to get its id now.
UPDATE headlines AS h SET article_id = au.article_id
FROM article_urls AS au
WHERE h.url = ANY(%(urls)s) AND h.article_id IS NULL AND au.url = h.url

-- name: upsert_headlines
INSERT INTO headlines (title, url, article_id, first_seen_at, last_seen_at)
SELECT v.title, v.url, au.article_id, v.seen_at, v.seen_at
FROM unnest(%(title)s::text[], %(url)s::text[], %(seen_at)s::timestamptz[]) AS v(title, url, seen_at)
LEFT JOIN article_urls AS au ON au.url = v.url
ORDER BY v.url
ON CONFLICT (url) DO UPDATE SET
    title         = CASE WHEN EXCLUDED.last_seen_at >= headlines.last_seen_at
                         THEN EXCLUDED.title ELSE headlines.title END,
    first_seen_at = least(headlines.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at  = greatest(headlines.last_seen_at, EXCLUDED.last_seen_at),
    article_id    = coalesce(headlines.article_id, EXCLUDED.article_id)
RETURNING id, url

-- name: insert_headline_sightings
-- The slot key makes storing the same fetch twice (spool replay) a no-op.
INSERT INTO headline_sightings (headline_id, article_id, seen_at, position, title, block)
SELECT * FROM unnest(%(headline_id)s::bigint[], %(article_id)s::bigint[], %(seen_at)s::timestamptz[],
                     %(position)s::int[], %(title)s::text[], %(block)s::text[])
ON CONFLICT (article_id, seen_at, position) DO NOTHING

-- ---------------------------------------------------------------- crawl runs

-- name: source_try_lock
SELECT pg_try_advisory_lock(%(namespace)s, hashtext(%(source)s))

-- name: source_unlock
SELECT pg_advisory_unlock(%(namespace)s, hashtext(%(source)s))

-- name: start_run
INSERT INTO crawl_runs (source, trigger, status, pid, hostname, lock_name)
VALUES (%(source)s, %(trigger)s, 'running', %(pid)s, %(hostname)s, %(lock_name)s)
RETURNING id

-- name: finish_run
UPDATE crawl_runs SET
    status             = %(status)s,
    finished_at        = now(),
    pages_fetched      = %(pages_fetched)s,
    articles_new       = %(articles_new)s,
    articles_updated   = %(articles_updated)s,
    articles_unchanged = %(articles_unchanged)s,
    errors             = %(errors)s,
    error              = %(error)s
WHERE id = %(run_id)s
RETURNING id

-- name: add_run_errors
INSERT INTO crawl_errors (run_id, url, message)
SELECT * FROM unnest(%(run_id)s::bigint[], %(url)s::text[], %(message)s::text[])

-- name: fail_stale_runs
-- A running row is stale when no session holds its source's advisory lock
-- (the crawl takes the lock before inserting the row and keeps it until finished).
-- Reading pg_locks instead of trying the lock never blocks a crawl that is starting.
UPDATE crawl_runs AS r SET status = 'failed', finished_at = now(), error = %(error)s
WHERE r.status = 'running'
  AND NOT EXISTS (
      SELECT 1 FROM pg_locks AS l
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid::bigint = %(namespace)s
        AND l.objid::bigint = (hashtext(coalesce(r.lock_name, r.source))::bigint & 4294967295))
RETURNING r.id

-- name: lock_holder
SELECT id, pid, hostname, started_at FROM crawl_runs
WHERE status = 'running' AND coalesce(lock_name, source) = %(source)s
ORDER BY started_at DESC, id DESC
LIMIT 1

-- name: recent_runs
SELECT id, source, trigger, status, started_at, finished_at, pages_fetched, articles_new,
       articles_updated, articles_unchanged, errors, error, pid, hostname, lock_name
FROM crawl_runs
WHERE %(source)s::text IS NULL OR source = %(source)s
ORDER BY started_at DESC, id DESC
LIMIT %(limit)s

-- name: latest_runs
SELECT DISTINCT ON (source)
       id, source, trigger, status, started_at, finished_at, pages_fetched, articles_new,
       articles_updated, articles_unchanged, errors, error, pid, hostname, lock_name
FROM crawl_runs
ORDER BY source, started_at DESC, id DESC

-- name: run_errors
SELECT url, message, occurred_at FROM crawl_errors
WHERE run_id = %(run_id)s
ORDER BY occurred_at, id
LIMIT %(limit)s

-- ---------------------------------------------------------------- ops (daemon, API, status)

-- name: run_progress
-- Counts so far of a running crawl, for the ops page (finish_run writes the final ones).
UPDATE crawl_runs SET pages_fetched = %(pages_fetched)s, errors = %(errors)s
WHERE id = %(run_id)s AND status = 'running'

-- name: run_of_process
-- The run a crawl child process started (the daemon knows its pid, not its run id).
SELECT id, status FROM crawl_runs
WHERE pid = %(pid)s AND hostname = %(hostname)s AND started_at >= %(since)s
ORDER BY id DESC
LIMIT 1

-- name: fail_run_of_process
UPDATE crawl_runs SET status = 'failed', finished_at = now(), error = %(error)s,
                      errors = errors + 1
WHERE pid = %(pid)s AND hostname = %(hostname)s AND started_at >= %(since)s AND status = 'running'
RETURNING id

-- name: get_run
SELECT id, source, trigger, status, started_at, finished_at, pages_fetched, articles_new,
       articles_updated, articles_unchanged, errors, error, pid, hostname, lock_name
FROM crawl_runs
WHERE id = %(run_id)s

-- name: running_runs
SELECT id, source, trigger, status, started_at, finished_at, pages_fetched, articles_new,
       articles_updated, articles_unchanged, errors, error, pid, hostname, lock_name
FROM crawl_runs
WHERE status = 'running'
ORDER BY started_at, id

-- name: article_health
-- Per source, over its articles seen in the window: how many lack a body, a date, a title.
SELECT source,
       count(*)                                        AS articles,
       count(*) FILTER (WHERE btrim(body) = '')        AS empty_body,
       count(*) FILTER (WHERE published_at IS NULL)    AS no_date,
       count(*) FILTER (WHERE btrim(title) = '')       AS no_title
FROM articles
WHERE last_seen_at >= now() - make_interval(hours => %(hours)s)
GROUP BY source

-- name: run_health
-- Per source, its last finished runs (newest first) as (status, pages, articles stored).
SELECT source, status, pages_fetched,
       articles_new + articles_updated + articles_unchanged AS articles
FROM (SELECT r.*, row_number() OVER (PARTITION BY source ORDER BY started_at DESC, id DESC) AS n
      FROM crawl_runs AS r
      WHERE status <> 'running') AS recent
WHERE n <= %(runs)s
ORDER BY source, n

-- name: run_totals
-- Totals per source and status for the Prometheus metrics.
SELECT source, status, count(*) AS runs, coalesce(sum(pages_fetched), 0) AS pages,
       coalesce(sum(articles_new), 0) AS new, coalesce(sum(articles_updated), 0) AS updated,
       coalesce(sum(articles_unchanged), 0) AS unchanged, coalesce(sum(errors), 0) AS errors,
       max(extract(epoch FROM finished_at)) AS last_finished
FROM crawl_runs
GROUP BY source, status

-- name: article_totals
SELECT source, count(*) AS articles FROM articles GROUP BY source

-- name: latest_articles
SELECT a.id, a.url, a.source, a.title, a.published_at, a.first_seen_at, a.last_seen_at,
       left(a.body, 300) AS lead,
       coalesce((SELECT json_agg(json_build_object('title', s.title, 'url', h.url) ORDER BY s.position)
                 FROM headline_sightings AS s JOIN headlines AS h ON h.id = s.headline_id
                 WHERE s.article_id = a.id
                   AND s.seen_at = (SELECT max(s2.seen_at) FROM headline_sightings AS s2
                                    WHERE s2.article_id = a.id)), '[]') AS headlines
FROM articles AS a
WHERE %(source)s::text IS NULL OR a.source = %(source)s
ORDER BY a.first_seen_at DESC, a.id DESC
LIMIT %(limit)s

-- name: last_successes
SELECT source, max(started_at) FROM crawl_runs WHERE status = 'succeeded' GROUP BY source

-- ---------------------------------------------------------------- revisions and revisits

-- name: find_articles_by_content
-- Pages that name no other canonical address join their source's article with the same text.
SELECT DISTINCT ON (a.source, a.fingerprint)
       a.source, a.fingerprint, a.id, a.fingerprint, a.title, a.body, a.first_seen_at, a.changed_at
FROM articles AS a
JOIN unnest(%(sources)s::text[], %(fingerprints)s::text[]) AS k(source, fingerprint)
  ON a.source = k.source AND a.fingerprint = k.fingerprint
ORDER BY a.source, a.fingerprint, a.id

-- name: due_articles
-- Known articles of a source whose revisit time has come, most overdue first. The age bound
-- retires articles whose revisits keep failing (a deleted page is never stored again, so its
-- next_visit_at never moves on).
SELECT url FROM articles
WHERE source = %(source)s AND next_visit_at <= %(now)s
  AND first_seen_at > %(now)s - make_interval(days => %(max_age_days)s)
ORDER BY next_visit_at, id
LIMIT %(limit)s

-- name: stop_revisits
-- Articles whose address answered 404/410 are not revisited again (a later listing still fetches them).
UPDATE articles SET next_visit_at = NULL
WHERE next_visit_at IS NOT NULL
  AND id IN (SELECT article_id FROM article_urls WHERE url = ANY(%(urls)s))

-- ---------------------------------------------------------------- linking (dedup and stories)

-- name: link_lock
SELECT pg_advisory_xact_lock(%(key)s)

-- name: link_candidates
-- Copy candidates: every body band key read through its index with a LIMIT (no key
-- costs more than `limit` rows). Story candidates: the newest `limit` articles holding
-- each key term within the story window around the article's event time, and their story.
SELECT 'body' AS kind, k.key, c.article_id, NULL::bigint AS story_id
FROM unnest(%(body_keys)s::bigint[]) AS k(key)
CROSS JOIN LATERAL (SELECT b.article_id FROM dedup_bands AS b WHERE b.band_key = k.key
                    ORDER BY b.article_id DESC LIMIT %(limit)s) AS c
UNION ALL
SELECT 'story', k.key, c.article_id, a.story_id
FROM unnest(%(terms)s::bigint[], %(los)s::timestamptz[], %(his)s::timestamptz[]) AS k(key, lo, hi)
CROSS JOIN LATERAL (SELECT s.article_id FROM story_keys AS s
                    WHERE s.term = k.key AND s.event_at BETWEEN k.lo AND k.hi
                    ORDER BY s.event_at DESC LIMIT %(limit)s) AS c
JOIN articles AS a ON a.id = c.article_id

-- name: story_centroids
SELECT story_id, centroid, first_event_at, last_event_at, articles
FROM story_centroids
WHERE story_id = ANY(%(ids)s::bigint[])

-- name: count_terms
-- Adds the words of articles new to linking to the document frequencies.
INSERT INTO term_frequencies (term, articles)
SELECT * FROM unnest(%(term)s::bigint[], %(articles)s::int[])
ON CONFLICT (term) DO UPDATE SET articles = term_frequencies.articles + EXCLUDED.articles
RETURNING term, articles

-- name: count_articles_linked
UPDATE term_totals SET articles = articles + %(n)s RETURNING articles

-- name: term_frequencies
SELECT term, articles FROM term_frequencies WHERE term = ANY(%(terms)s::bigint[])

-- name: count_source_terms
INSERT INTO source_term_frequencies (source, term, articles)
SELECT * FROM unnest(%(source)s::text[], %(term)s::bigint[], %(articles)s::int[])
ON CONFLICT (source, term) DO UPDATE SET articles = source_term_frequencies.articles + EXCLUDED.articles
RETURNING source, term, articles

-- name: count_source_articles
INSERT INTO source_totals (source, articles)
SELECT * FROM unnest(%(source)s::text[], %(articles)s::bigint[])
ON CONFLICT (source) DO UPDATE SET articles = source_totals.articles + EXCLUDED.articles
RETURNING source, NULL::bigint, articles

-- name: source_frequencies
-- The frequencies of the given (source, word) pairs, and each given source's total.
SELECT f.source, f.term, f.articles
FROM unnest(%(source)s::text[], %(term)s::bigint[]) AS k(source, term)
JOIN source_term_frequencies AS f ON f.source = k.source AND f.term = k.term
UNION ALL
SELECT t.source, NULL, t.articles FROM source_totals AS t WHERE t.source = ANY(%(source)s::text[])

-- name: linked_articles
SELECT a.id, a.source, a.title, a.first_seen_at, f.event_at, f.body_signature, f.story_vector,
       a.story_id, a.duplicate_of
FROM articles AS a
LEFT JOIN article_fingerprints AS f ON f.article_id = a.id
WHERE a.id = ANY(%(ids)s)

-- name: allocate_story_ids
SELECT nextval(pg_get_serial_sequence('stories', 'id')) FROM generate_series(1, %(n)s)

-- name: previous_story_ids
-- During a relink: the story each of these articles was in before, unless rebuilt already.
SELECT r.article_id, r.story_id
FROM relink_stories AS r
WHERE r.article_id = ANY(%(ids)s::bigint[])
  AND NOT EXISTS (SELECT 1 FROM story_centroids AS c WHERE c.story_id = r.story_id)

-- name: insert_stories
-- Counts and times are filled by refresh_stories in the same transaction. An id
-- taken back by a relink revives that story.
INSERT INTO stories (id, title) OVERRIDING SYSTEM VALUE
SELECT * FROM unnest(%(id)s::bigint[], %(title)s::text[])
ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, merged_into = NULL

-- name: upsert_centroids
INSERT INTO story_centroids (story_id, centroid, first_event_at, last_event_at, articles)
SELECT * FROM unnest(%(story_id)s::bigint[], %(centroid)s::bytea[], %(first_event_at)s::timestamptz[],
                     %(last_event_at)s::timestamptz[], %(articles)s::int[])
ON CONFLICT (story_id) DO UPDATE SET
    centroid = EXCLUDED.centroid, first_event_at = EXCLUDED.first_event_at,
    last_event_at = EXCLUDED.last_event_at, articles = EXCLUDED.articles

-- name: merge_stories
-- A story shown to be the same event as an older one: its articles move there, it
-- (and any story merged into it before) points there, its centroid goes.
WITH m AS (SELECT * FROM unnest(%(gone)s::bigint[], %(kept)s::bigint[]) AS m(gone, kept)),
moved AS (UPDATE articles AS a SET story_id = m.kept FROM m WHERE a.story_id = m.gone RETURNING a.id),
pointed AS (UPDATE stories AS s SET merged_into = m.kept, article_count = 0, source_count = 0
            FROM m WHERE s.id = m.gone OR s.merged_into = m.gone RETURNING s.id)
DELETE FROM story_centroids AS c USING m WHERE c.story_id = m.gone

-- name: delete_dedup_bands
DELETE FROM dedup_bands AS b
USING unnest(%(band_key)s::bigint[], %(article_id)s::bigint[]) AS v(band_key, article_id)
WHERE b.band_key = v.band_key AND b.article_id = v.article_id

-- name: delete_story_keys
DELETE FROM story_keys AS k
USING unnest(%(term)s::bigint[], %(article_id)s::bigint[]) AS v(term, article_id)
WHERE k.term = v.term AND k.article_id = v.article_id

-- name: insert_dedup_bands
INSERT INTO dedup_bands (band_key, article_id)
SELECT * FROM unnest(%(band_key)s::bigint[], %(article_id)s::bigint[])
ON CONFLICT DO NOTHING

-- name: insert_story_keys
INSERT INTO story_keys (term, event_at, article_id)
SELECT * FROM unnest(%(term)s::bigint[], %(event_at)s::timestamptz[], %(article_id)s::bigint[])

-- name: upsert_fingerprints
INSERT INTO article_fingerprints (article_id, body_signature, story_vector, shingle_count, event_at)
SELECT * FROM unnest(%(article_id)s::bigint[], %(body_signature)s::bytea[], %(story_vector)s::bytea[],
                     %(shingle_count)s::int[], %(event_at)s::timestamptz[])
ON CONFLICT (article_id) DO UPDATE SET
    body_signature = EXCLUDED.body_signature,
    story_vector   = EXCLUDED.story_vector,
    shingle_count  = EXCLUDED.shingle_count,
    event_at       = EXCLUDED.event_at

-- name: set_article_links
UPDATE articles AS a SET story_id = v.story_id, duplicate_of = v.duplicate_of
FROM unnest(%(id)s::bigint[], %(story_id)s::bigint[], %(duplicate_of)s::bigint[])
     AS v(id, story_id, duplicate_of)
WHERE a.id = v.id
  AND (a.story_id IS DISTINCT FROM v.story_id OR a.duplicate_of IS DISTINCT FROM v.duplicate_of)

-- name: adopt_copies
-- An original linked before an earlier-seen copy of it (racing crawls) becomes
-- that one's copy, with its own copies, in its story.
UPDATE articles AS a SET duplicate_of = v.original, story_id = v.story_id
FROM unnest(%(old)s::bigint[], %(original)s::bigint[], %(story_id)s::bigint[]) AS v(old, original, story_id)
WHERE a.id = v.old OR a.duplicate_of = v.old

-- name: refresh_stories
-- Counts and first/last seen of the stories of these articles, from their articles.
UPDATE stories AS s SET
    article_count = x.n, source_count = x.sources, first_seen_at = x.first_seen, last_seen_at = x.last_seen
FROM (SELECT story_id, count(*) AS n, count(DISTINCT source) AS sources,
             min(first_seen_at) AS first_seen, max(last_seen_at) AS last_seen
      FROM articles
      WHERE story_id IN (SELECT story_id FROM articles WHERE id = ANY(%(ids)s) AND story_id IS NOT NULL)
         OR story_id = ANY(%(story_ids)s::bigint[])
      GROUP BY story_id) AS x
WHERE s.id = x.story_id
  AND (s.article_count, s.source_count, s.first_seen_at, s.last_seen_at)
      IS DISTINCT FROM (x.n, x.sources, x.first_seen, x.last_seen)

-- name: delete_empty_stories
-- Stories whose only article moved to another story (not those merged, or merged into).
DELETE FROM stories AS s
WHERE s.id = ANY(%(ids)s) AND s.merged_into IS NULL
  AND NOT EXISTS (SELECT 1 FROM articles AS a WHERE a.story_id = s.id)
  AND NOT EXISTS (SELECT 1 FROM stories AS m WHERE m.merged_into = s.id)

-- name: reset_links
-- Stories are kept, with each article's story remembered (a relink interrupted and run
-- again keeps the mapping of the first run): rebuilt stories take their ids back.
INSERT INTO relink_stories (article_id, story_id)
SELECT id, story_id FROM articles WHERE story_id IS NOT NULL
ON CONFLICT (article_id) DO NOTHING;
UPDATE articles SET story_id = NULL, duplicate_of = NULL
WHERE story_id IS NOT NULL OR duplicate_of IS NOT NULL;
TRUNCATE dedup_bands, story_keys, article_fingerprints, story_centroids, term_frequencies,
         source_term_frequencies, source_totals;
UPDATE term_totals SET articles = 0

-- name: finish_relink
-- Stories not rebuilt point to the story their earliest article is in now (none left:
-- deleted), chains are flattened, and the remembered mapping is dropped.
UPDATE stories AS s SET merged_into = x.now_in, article_count = 0, source_count = 0
FROM (SELECT DISTINCT ON (r.story_id) r.story_id, a.story_id AS now_in
      FROM relink_stories AS r JOIN articles AS a ON a.id = r.article_id
      ORDER BY r.story_id, a.first_seen_at, a.id) AS x
WHERE s.id = x.story_id AND x.now_in IS DISTINCT FROM s.id
  AND NOT EXISTS (SELECT 1 FROM story_centroids AS c WHERE c.story_id = s.id);
UPDATE stories AS s SET merged_into = t.merged_into
FROM stories AS t WHERE s.merged_into = t.id AND t.merged_into IS NOT NULL;
DELETE FROM stories AS s
WHERE NOT EXISTS (SELECT 1 FROM story_centroids AS c WHERE c.story_id = s.id)
  AND s.merged_into IS NULL
  AND NOT EXISTS (SELECT 1 FROM articles AS a WHERE a.story_id = s.id)
  AND NOT EXISTS (SELECT 1 FROM stories AS m WHERE m.merged_into = s.id);
DELETE FROM relink_stories

-- name: count_articles
SELECT count(*) FROM articles

-- name: articles_to_relink
-- Oldest first, so that the earliest copy of a text is its original.
SELECT id, source, title, body, published_at, first_seen_at
FROM articles
WHERE (first_seen_at, id) > (%(after_time)s::timestamptz, %(after_id)s::bigint)
ORDER BY first_seen_at, id
LIMIT %(limit)s

-- ---------------------------------------------------------------- reader role

-- name: set_reader_password
-- Created NOLOGIN by migration 0004; psycopg2 quotes the password as a literal.
ALTER ROLE scraper_reader WITH LOGIN PASSWORD %(password)s

-- ---------------------------------------------------------------- spool and outages

-- name: ping
-- Is this connection still alive (after a database restart it is not)?
SELECT 1
