-- Fewer secondary indexes on the tables the hot write paths (submit, the self-service returnee
-- save, every audited change) touch: each index a row's changed columns are in is one more
-- B-tree delete + insert per UPDATE, each index of a table one more insert per INSERT. Every
-- query in the code keeps an index (checked with EXPLAIN; see docs/benchmarks.md, "Issue 9
-- speed goals").
--
-- applications: a submit's conditional UPDATE changes status (and township_code, submitted_at),
-- which moved the row in four indexes; now two (the review queue's and the person's):
--   idx_applications_policy (policy_code, status): no query starts from a policy alone (two
--     policies: nothing to select); the staff filter by policy rides the queue index, and the
--     statistics, which read every application anyway, sort their few groups.
--   idx_applications_borrower (borrower_key, status) -> (borrower_key): an enterprise borrower
--     has a handful of applications; the status filter reads them.
--   idx_applications_person (person_id, policy_code, status) stays: every submit counts the
--     person's granted applications of the policy, and without status in the index that count
--     reads each of the person's drafts (2.2 times as long at 150 drafts a person, as in
--     scripts/bench.sh's submit scenario).
-- audit_log: written by every audited change, read by no query of the code. Kept: what happened
--   to a record (target) and what an account did (actor), the two questions of an investigation;
--   dropped: occurred_at alone (the id is in time order) and action.
-- returnees: a save sets confirmed_at and updated_at, which moved the row in two indexes.
--   idx_returnees_updated (updated_at): no query reads it.
--   idx_returnees_region (township_code, village_code) and idx_returnees_confirmed
--     (township_code, confirmed_at) -> one (township_code, village_code, confirmed_at): the list
--     filters by township and village use its prefix, the freshness counts per township still
--     read only the index.

-- +goose Up
ALTER TABLE applications
    DROP KEY idx_applications_policy,
    DROP KEY idx_applications_borrower,
    ADD KEY idx_applications_borrower (borrower_key);

ALTER TABLE audit_log
    DROP KEY idx_audit_occurred,
    DROP KEY idx_audit_action;

ALTER TABLE returnees
    DROP KEY idx_returnees_updated,
    DROP KEY idx_returnees_confirmed,
    DROP KEY idx_returnees_region,
    ADD KEY idx_returnees_region (township_code, village_code, confirmed_at);

-- +goose Down
ALTER TABLE returnees
    DROP KEY idx_returnees_region,
    ADD KEY idx_returnees_region (township_code, village_code),
    ADD KEY idx_returnees_confirmed (township_code, confirmed_at),
    ADD KEY idx_returnees_updated (updated_at);

ALTER TABLE audit_log
    ADD KEY idx_audit_occurred (occurred_at),
    ADD KEY idx_audit_action (action, occurred_at);

ALTER TABLE applications
    DROP KEY idx_applications_borrower,
    ADD KEY idx_applications_borrower (borrower_key, status),
    ADD KEY idx_applications_policy (policy_code, status);
