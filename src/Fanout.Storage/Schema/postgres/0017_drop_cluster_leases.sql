-- Lease epochs are no longer kept per target in the store (issue 15): a coordinator takes a worker's report only for the lease
-- it holds (WorkerOutbox), and the store refuses every write of a run by a process that no longer owns it (RunRecords' owner
-- fence). The per-target grant and accept statements were two round trips on the path of every target.
DROP TABLE IF EXISTS cluster_leases;
