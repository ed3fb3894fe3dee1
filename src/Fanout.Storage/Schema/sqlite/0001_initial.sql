-- Fanout store schema, version 1 (SQLite). Times are ISO-8601 UTC text of fixed width
-- ('yyyy-MM-ddTHH:mm:ss.fffffffZ'), so text order is time order.
CREATE TABLE runs (
    run_id           TEXT    NOT NULL PRIMARY KEY,
    kind             TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    actor            TEXT    NOT NULL,
    selectors        TEXT,
    options          TEXT,
    parameters       TEXT,
    operation        TEXT,
    parent_run_id    TEXT,
    started_at       TEXT    NOT NULL,
    ended_at         TEXT,
    owner_host       TEXT,
    owner_pid        INTEGER,
    lease_expires_at TEXT,
    total            INTEGER NOT NULL DEFAULT 0,
    succeeded        INTEGER NOT NULL DEFAULT 0,
    failed           INTEGER NOT NULL DEFAULT 0,
    timed_out        INTEGER NOT NULL DEFAULT 0,
    cancelled        INTEGER NOT NULL DEFAULT 0,
    not_run          INTEGER NOT NULL DEFAULT 0,
    skipped          INTEGER NOT NULL DEFAULT 0,
    stop_reason      TEXT,
    resume_count     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_runs_started_at ON runs (started_at DESC);
CREATE INDEX ix_runs_status ON runs (status);

CREATE TABLE run_targets (
    run_id   TEXT    NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    ordinal  INTEGER NOT NULL,
    target   TEXT    NOT NULL,
    wave     INTEGER NOT NULL,
    PRIMARY KEY (run_id, ordinal)
);
CREATE INDEX ix_run_targets_target ON run_targets (run_id, target);

CREATE TABLE target_attempts (
    run_id     TEXT    NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    target     TEXT    NOT NULL,
    attempt    INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    exit_code  INTEGER,
    wave       INTEGER NOT NULL,
    started_at TEXT,
    ended_at   TEXT,
    stdout     TEXT,
    stderr     TEXT,
    stdout_log TEXT,
    stderr_log TEXT,
    error      TEXT,
    PRIMARY KEY (run_id, target, attempt)
);

CREATE TABLE run_events (
    run_id   TEXT    NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    sequence INTEGER NOT NULL,
    type     TEXT    NOT NULL,
    ts       TEXT    NOT NULL,
    payload  TEXT    NOT NULL,
    PRIMARY KEY (run_id, sequence)
);

CREATE TABLE schedules (
    name          TEXT    NOT NULL PRIMARY KEY,
    kind          TEXT    NOT NULL,
    definition    TEXT    NOT NULL,
    cron          TEXT    NOT NULL,
    time_zone     TEXT    NOT NULL,
    selectors     TEXT,
    parameters    TEXT,
    environment   TEXT,
    options       TEXT,
    allow_overlap INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    last_fire_at  TEXT,
    last_run_id   TEXT,
    last_result   TEXT
);
