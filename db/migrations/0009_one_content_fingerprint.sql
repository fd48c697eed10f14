-- 0009_one_content_fingerprint: one content hash decides versions and notifications.
-- From now on the store writes articles.content_hash and article_versions.content_hash with the
-- same value as `fingerprint` (scraper.policy.revisions.content_fingerprint); the columns stay for
-- readers of 0001. NOTIFY scraper_articles fires when the fingerprint changes, i.e. on a new
-- version, not on a cosmetic re-render; a row stored before 0005 getting its first fingerprint
-- (NULL -> value, no new content) does not notify.
DROP TRIGGER articles_notify_revise ON articles;
CREATE TRIGGER articles_notify_revise AFTER UPDATE OF fingerprint ON articles
    FOR EACH ROW WHEN (OLD.fingerprint IS NOT NULL AND OLD.fingerprint IS DISTINCT FROM NEW.fingerprint)
    EXECUTE FUNCTION scraper_notify_article();

-- Existing rows: content_hash takes the fingerprint where there is one, so that equal values
-- mean the same content across the whole table (rows stored before 0005 keep theirs until
-- their next fetch).
UPDATE articles SET content_hash = fingerprint
WHERE fingerprint IS NOT NULL AND content_hash IS DISTINCT FROM fingerprint;
UPDATE article_versions SET content_hash = fingerprint
WHERE fingerprint IS NOT NULL AND content_hash IS DISTINCT FROM fingerprint;
