-- Fanout store schema, version 6 (PostgreSQL): run lists (history, GET /api/runs) read an index in their exact order
-- (started_at DESC, run_id DESC), with or without a status, kind or name filter, so any LIMIT stops early: no table scan, no sort.
CREATE INDEX ix_runs_started_run ON runs (started_at DESC, run_id DESC);
CREATE INDEX ix_runs_status_started ON runs (status, started_at DESC, run_id DESC);
CREATE INDEX ix_runs_kind_started ON runs (kind, started_at DESC, run_id DESC);
CREATE INDEX ix_runs_name_started ON runs (name, started_at DESC, run_id DESC);
DROP INDEX IF EXISTS ix_runs_started_at;
DROP INDEX IF EXISTS ix_runs_status;
