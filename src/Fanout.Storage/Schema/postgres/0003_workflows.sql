-- Fanout store schema, version 3 (postgres): workflow engine state (SPEC W13, W14, W16, H3).
-- Step states of workflow runs: one row per step path, updated as the step changes state.
CREATE TABLE workflow_steps (
    run_id      TEXT    NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    path        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    exit_code   INTEGER,
    started_at  TIMESTAMPTZ,
    ended_at    TIMESTAMPTZ,
    output      TEXT,
    capture     TEXT,
    skip_reason TEXT,
    error       TEXT,
    completion  INTEGER,
    PRIMARY KEY (run_id, path)
);

-- Circuit breakers are shared by every run of one workflow.
CREATE TABLE circuit_breakers (
    workflow             TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    state                TEXT    NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    opened_at            TIMESTAMPTZ,
    updated_at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workflow, name)
);

-- Manual approvals: pending until approved or rejected (by the terminal prompt, fanout approve/reject or the API).
CREATE TABLE workflow_approvals (
    run_id       TEXT    NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    step         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ,
    actor        TEXT,
    comment      TEXT,
    PRIMARY KEY (run_id, step)
);
CREATE INDEX ix_workflow_approvals_status ON workflow_approvals (status);

-- Annotations (raised alerts, degradations, rollbacks) and metrics recorded on a run.
CREATE TABLE run_annotations (
    run_id   TEXT    NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    ordinal  INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    severity TEXT    NOT NULL,
    message  TEXT    NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, ordinal)
);

CREATE TABLE run_metrics (
    run_id TEXT    NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    name   TEXT    NOT NULL,
    labels TEXT    NOT NULL,
    type   TEXT    NOT NULL,
    value  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run_id, name, labels)
);
