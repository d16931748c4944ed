-- Daily upload quota: one counter row per user and Beijing calendar day. An upload is counted by
-- a conditional UPDATE (files + 1 <= limit AND bytes + size <= limit) in the transaction that
-- records it, so parallel uploads can never pass the quota together. Rows of past days are only
-- history; the sweep job removes those older than a week.

-- +goose Up
CREATE TABLE upload_quota_days (
    owner_user_id BIGINT UNSIGNED NOT NULL,
    -- The calendar day in Asia/Shanghai.
    day           DATE NOT NULL,
    files         INT UNSIGNED NOT NULL DEFAULT 0,
    bytes         BIGINT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (owner_user_id, day),
    KEY idx_upload_quota_days_day (day)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The nightly sweep looks for uploads never attached, oldest first.
CREATE INDEX idx_uploads_unattached ON uploads (attached_to_type, created_at);

-- +goose Down
DROP INDEX idx_uploads_unattached ON uploads;
DROP TABLE upload_quota_days;
