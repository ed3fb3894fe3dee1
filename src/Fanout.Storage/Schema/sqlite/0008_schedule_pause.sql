-- Fanout store schema, version 8 (SQLite): schedules can be paused and resumed (issue 13, the web UI's Schedules page).
ALTER TABLE schedules ADD COLUMN paused_at TEXT;
ALTER TABLE schedules ADD COLUMN resumed_at TEXT;
