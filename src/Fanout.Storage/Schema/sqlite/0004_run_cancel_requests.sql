-- Fanout store schema, version 4 (sqlite): cancel requests (SPEC A9). Any process may ask to cancel a run;
-- the process that owns the run polls this table (a primary-key lookup) and cancels it.
CREATE TABLE run_cancel_requests (
    run_id       TEXT NOT NULL PRIMARY KEY REFERENCES runs (run_id) ON DELETE CASCADE,
    requested_at TEXT NOT NULL,
    actor        TEXT NOT NULL
);
