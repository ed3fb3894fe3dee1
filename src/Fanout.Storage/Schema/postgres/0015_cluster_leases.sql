-- Lease epochs and fencing (issue 15, docs/scale-out.md "Leases, epochs and fencing"): the newest lease granted on each
-- target of a distributed run. Every grant raises the target's epoch; a worker's report is recorded only when its lease's
-- epoch is still the target's epoch and not yet reported, so a late report of a superseded lease (a worker declared dead,
-- a coordinator replaced) is rejected. PostgreSQL only: the SQLite store never forms a cluster.
CREATE TABLE cluster_leases
(
    run_id TEXT NOT NULL,
    target TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    epoch BIGINT NOT NULL,
    lease_id UUID NOT NULL,
    worker TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, target)
);
