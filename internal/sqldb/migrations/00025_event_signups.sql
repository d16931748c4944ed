-- +goose Up
-- Events for users: sign-up with an optional capacity, and a short check-in code for the
-- 小程序码 (WeChat's scene holds 32 characters; the 43-character token does not fit).
--
-- capacity NULL means no limit. signups counts event_signups rows: a sign-up inserts its row and
-- raises the count by a conditional UPDATE (capacity IS NULL OR signups < capacity) in one
-- transaction, a cancel deletes the row and lowers it, so the limit holds in MySQL.
-- checkin_code is 16 bytes from crypto/rand, base64url (22 characters); the scene is
-- "<id>.<code>". Events older than this migration get one when their 小程序码 is first drawn.
ALTER TABLE events ADD COLUMN capacity INT UNSIGNED NULL;
ALTER TABLE events ADD COLUMN signups INT UNSIGNED NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN checkin_code VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL;
CREATE UNIQUE INDEX uk_events_checkin_code ON events (checkin_code);
-- The mini program lists upcoming events: those not ended yet.
CREATE INDEX idx_events_ends ON events (ends_at);

CREATE TABLE event_signups (
    event_id     BIGINT UNSIGNED NOT NULL,
    person_id    BIGINT UNSIGNED NOT NULL,
    signed_up_at DATETIME(3) NOT NULL,
    PRIMARY KEY (event_id, person_id),
    KEY idx_event_signups_person (person_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE event_signups;
DROP INDEX idx_events_ends ON events;
DROP INDEX uk_events_checkin_code ON events;
ALTER TABLE events DROP COLUMN checkin_code;
ALTER TABLE events DROP COLUMN signups;
ALTER TABLE events DROP COLUMN capacity;
