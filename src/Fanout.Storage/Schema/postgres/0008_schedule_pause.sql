-- Fanout store schema, version 8 (PostgreSQL): schedules can be paused and resumed (issue 13, the web UI's Schedules page).
ALTER TABLE schedules ADD COLUMN paused_at TIMESTAMPTZ;
ALTER TABLE schedules ADD COLUMN resumed_at TIMESTAMPTZ;
