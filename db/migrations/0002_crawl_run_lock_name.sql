-- 0002_crawl_run_lock_name: record which crawl lock protects a run.
-- A crawl may lock on another name than its source (e.g. a one-URL crawl);
-- the stale-run check must look at the lock the run actually holds.
ALTER TABLE crawl_runs ADD COLUMN lock_name text;
COMMENT ON COLUMN crawl_runs.lock_name IS 'advisory lock name held while running; NULL means the source name';
