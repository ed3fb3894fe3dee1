-- Fanout store schema, version 2 (SQLite): API tokens (SPEC A5) and the audit log (SPEC A7).
-- Tokens are stored as a lookup prefix plus the SHA-256 of the whole token, never the token.
CREATE TABLE api_tokens (
    name         TEXT NOT NULL PRIMARY KEY,
    role         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    hash         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ts           TEXT    NOT NULL,
    actor        TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    batch_id     TEXT,
    target       TEXT,
    target_count INTEGER,
    duration_ms  REAL,
    detail       TEXT
);
CREATE INDEX ix_audit_log_batch ON audit_log (batch_id, id);
