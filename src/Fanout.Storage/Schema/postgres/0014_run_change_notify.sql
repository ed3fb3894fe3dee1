-- LISTEN/NOTIFY for followers of runs (issue 15, docs/store.md "Followers"): whenever events of a run are appended or a run
-- row is written, the committing transaction notifies channel 'fanout_runs' with the run id. A 'fanout serve' that follows a
-- run another process executes (the CLI, another server, a cluster coordinator) wakes on it instead of polling the store.
-- Statement-level triggers with transition tables: one notification per run per statement, and PostgreSQL folds
-- identical notifications of one transaction into one, delivered at commit.
CREATE FUNCTION fanout_notify_run_changes() RETURNS trigger AS
$func$
BEGIN
    PERFORM pg_notify('fanout_runs', r.run_id) FROM (SELECT DISTINCT run_id FROM changed_rows) r;
    RETURN NULL;
END
$func$ LANGUAGE plpgsql;

CREATE TRIGGER run_events_notify AFTER INSERT ON run_events
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION fanout_notify_run_changes();

CREATE TRIGGER runs_insert_notify AFTER INSERT ON runs
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION fanout_notify_run_changes();

CREATE TRIGGER runs_update_notify AFTER UPDATE ON runs
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION fanout_notify_run_changes();
