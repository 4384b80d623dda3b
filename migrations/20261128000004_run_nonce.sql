-- A random value per run, part of every queue key of the run. Run ids alone are not enough: after
-- MySQL is restored to an earlier point, a new run can take the id of a lost one whose job keys
-- Redis still remembers (for 14 days), and the queue would drop the new run's jobs as duplicates,
-- or apply the lost run's jobs to the new one. Runs from before this column keep ''.
ALTER TABLE sync_runs ADD COLUMN nonce CHAR(16) NOT NULL DEFAULT '' AFTER id;

-- Finding idle open and closing runs reads their status and last update.
ALTER TABLE sync_runs ADD KEY sync_runs_status_updated (status, updated_at);
