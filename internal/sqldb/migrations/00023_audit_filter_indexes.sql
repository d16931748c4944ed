-- +goose Up
-- The console's audit log page filters by action and by time range (internal/audit/query.go);
-- 00016 dropped these two indexes to make the audit INSERT of the write paths cheaper, which left
-- those filters scanning the whole log. The log is read by people looking for what happened, so
-- the filters win: two more index entries per audit row.
ALTER TABLE audit_log
    ADD KEY idx_audit_occurred (occurred_at),
    ADD KEY idx_audit_action (action, occurred_at);

-- +goose Down
ALTER TABLE audit_log
    DROP KEY idx_audit_occurred,
    DROP KEY idx_audit_action;
