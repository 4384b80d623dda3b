-- The change summary of a run: how many of the records it loaded were new, changed or unchanged.
-- The upsert marks each row as it goes, so counting costs no statement per job:
-- first_run_id is the run that inserted the row (set on insert only), changed_run_id the last run
-- whose record moved the row's source_updated_ns forward (set on insert too). A run's new rows are
-- then changed_run_id = run AND first_run_id = run, its changed rows changed_run_id = run AND the
-- rest; one index on (changed_run_id, first_run_id) answers both. Rows from before this
-- migration keep NULL in both.
ALTER TABLE influencers
    ADD COLUMN first_run_id BIGINT NULL,
    ADD COLUMN changed_run_id BIGINT NULL,
    ADD KEY influencers_changed_run (changed_run_id, first_run_id);
ALTER TABLE contracts
    ADD COLUMN first_run_id BIGINT NULL,
    ADD COLUMN changed_run_id BIGINT NULL,
    ADD KEY contracts_changed_run (changed_run_id, first_run_id);

-- The audit tables keep every stored column, so that undoing a sweep restores rows exactly.
ALTER TABLE influencers_swept
    ADD COLUMN first_run_id BIGINT NULL,
    ADD COLUMN changed_run_id BIGINT NULL;
ALTER TABLE contracts_swept
    ADD COLUMN first_run_id BIGINT NULL,
    ADD COLUMN changed_run_id BIGINT NULL;

-- Counted when the run leaves `closing` with every job applied; NULL until then.
ALTER TABLE sync_runs
    ADD COLUMN new_records BIGINT NULL,
    ADD COLUMN changed_records BIGINT NULL,
    ADD COLUMN unchanged_records BIGINT NULL;
