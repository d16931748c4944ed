-- Indexes for the staff console's system pages: the audit log filtered by who acted (the
-- actor's name, as staff type it) within a time range, and the outbox's delivery counts by the
-- day a message was created (and its list, newest first).

-- +goose Up
ALTER TABLE audit_log ADD KEY idx_audit_actor_name (actor_name, occurred_at);
ALTER TABLE outbox ADD KEY idx_outbox_created (created_at);

-- +goose Down
ALTER TABLE outbox DROP KEY idx_outbox_created;
ALTER TABLE audit_log DROP KEY idx_audit_actor_name;
