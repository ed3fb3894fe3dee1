-- Fanout store schema, version 7 (PostgreSQL): targets that never got a session are counted apart (state 'unreachable', issue 11).
ALTER TABLE runs ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0;
