-- A run survives the death of the server that coordinates it (issue 15, docs/scale-out.md "When the coordinator dies").
-- Written for Fanout against the contract of Microsoft.Orleans.Reminders.AdoNet 10.4.2 (the table, columns, parameters and
-- query keys it reads from OrleansQuery): a durable reminder per coordinated run, kept in the same PostgreSQL database as
-- Orleans' membership table (migration 0010). PostgreSQL only: the SQLite store never forms a cluster.
CREATE TABLE orleansreminderstable
(
    serviceid VARCHAR(150) NOT NULL,
    grainid VARCHAR(150) NOT NULL,
    remindername VARCHAR(150) NOT NULL,
    starttime TIMESTAMPTZ(3) NOT NULL,
    period BIGINT NOT NULL,
    grainhash INTEGER NOT NULL,
    version INTEGER NOT NULL,
    CONSTRAINT pk_reminderstable_serviceid_grainid_remindername PRIMARY KEY (serviceid, grainid, remindername)
);

-- Orleans reads each query by its key; the parameters (@ServiceId, @GrainId, ...) and the columns it reads back by name are
-- the provider's contract. An upsert returns the row's new version (the reminder's etag); a delete returns how many rows went.
INSERT INTO orleansquery (querykey, querytext) VALUES
('UpsertReminderRowKey', '
    INSERT INTO orleansreminderstable (serviceid, grainid, remindername, starttime, period, grainhash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period::bigint, @GrainHash, 0)
    ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
        SET starttime = excluded.starttime, period = excluded.period, grainhash = excluded.grainhash,
            version = orleansreminderstable.version + 1
    RETURNING version;
'),
('ReadReminderRowsKey', '
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
    WHERE serviceid = @ServiceId AND grainid = @GrainId;
'),
('ReadReminderRowKey', '
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
    WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName;
'),
('ReadRangeRows1Key', '
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
    WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash;
'),
('ReadRangeRows2Key', '
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
    WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash);
'),
('DeleteReminderRowKey', '
    WITH deleted AS (
        DELETE FROM orleansreminderstable
        WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName AND version = @Version
        RETURNING 1)
    SELECT count(*)::integer AS row_count FROM deleted;
'),
('DeleteReminderRowsKey', '
    DELETE FROM orleansreminderstable WHERE serviceid = @ServiceId;
');

-- Which silo coordinates each run that can move (one row per run while it is coordinated in a cluster): the run's
-- coordinator grain reads it when its reminder fires, and takes the run over when Orleans has declared that silo dead.
-- owner_host and owner_pid are the run's owner columns as that silo wrote them, so the take-over only interrupts the run
-- if nobody took it over meanwhile.
CREATE TABLE cluster_runs
(
    run_id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL,
    silo TEXT NOT NULL,
    owner_host TEXT NOT NULL,
    owner_pid INTEGER NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
