-- Notices (通知) staff push to an audience: a department drafts, a district administrator
-- approves (another account: the CHECK below holds it in MySQL), the fan-out writes one inbox
-- message per person in batches and remembers where it stopped.
--
-- notices.cursor_person_id is the fan-out's resume point: each batch writes its inbox messages
-- and deliveries and moves the cursor in one transaction, fenced on the cursor it read, so a
-- crash loses nothing and two runners never write one batch twice (inbox dedup keys
-- "notice:<id>:<person>" make a replay a no-op as well).

-- +goose Up
CREATE TABLE notices (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    title            VARCHAR(40) NOT NULL,
    -- what a WeChat push shows (a subscribe message's thing field holds 20 characters)
    push_summary     VARCHAR(20) NOT NULL,
    body             VARCHAR(1000) NOT NULL DEFAULT '',
    policy_id        BIGINT UNSIGNED NULL,
    page             VARCHAR(255) NOT NULL DEFAULT '',
    rule             JSON NOT NULL,
    status           VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'draft',
    send_at          DATETIME(3) NULL,
    drafted_by       BIGINT UNSIGNED NOT NULL,
    approved_by      BIGINT UNSIGNED NULL,
    approved_at      DATETIME(3) NULL,
    cancelled_by     BIGINT UNSIGNED NULL,
    audience_count   INT NULL,
    cursor_person_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
    fanout_started_at DATETIME(3) NULL,
    fanout_done_at   DATETIME(3) NULL,
    version          INT NOT NULL DEFAULT 1,
    created_at       DATETIME(3) NOT NULL,
    updated_at       DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_notices_due (status, send_at),
    KEY idx_notices_created (created_at),
    CONSTRAINT chk_notices_status CHECK (status IN ('draft', 'approved', 'sending', 'sent', 'cancelled')),
    CONSTRAINT chk_notices_reviewer CHECK (approved_by IS NULL OR approved_by <> drafted_by)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One row per person the fan-out reached: how the notice got to them.
CREATE TABLE notice_deliveries (
    notice_id        BIGINT UNSIGNED NOT NULL,
    person_id        BIGINT UNSIGNED NOT NULL,
    user_id          BIGINT UNSIGNED NULL,
    -- inbox: written to the inbox; no_account: the person has no mini-program account yet
    status           VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at       DATETIME(3) NOT NULL,
    PRIMARY KEY (notice_id, person_id),
    KEY idx_notice_deliveries_status (notice_id, status)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- A notice's report counts its inbox messages read.
CREATE INDEX idx_inbox_messages_ref ON inbox_messages (ref_type, ref_id, read_at);

-- +goose Down
DROP INDEX idx_inbox_messages_ref ON inbox_messages;
DROP TABLE notice_deliveries;
DROP TABLE notices;
