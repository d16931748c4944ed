-- Notifications: the in-app inbox (the record the user always gets), the one-time subscribe
-- consents we count per user and template, and the outbox that a background worker drains into
-- WeChat subscribe messages. The outbox lives in MySQL so that a crash or a WeChat outage loses
-- nothing; workers claim rows with a lease through conditional UPDATEs (no SKIP LOCKED, so the same
-- SQL runs on TiDB).

-- +goose Up
CREATE TABLE inbox_messages (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id    BIGINT UNSIGNED NOT NULL,
    kind       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    title      VARCHAR(100) NOT NULL,
    body       VARCHAR(1000) NOT NULL DEFAULT '',
    -- The mini-program page the message opens, e.g. pages/applications/detail?id=42.
    page       VARCHAR(255) NOT NULL DEFAULT '',
    ref_type   VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    ref_id     BIGINT UNSIGNED NULL,
    -- The event this message is about ("app:42:status:approved"): enqueueing it again is a no-op.
    dedup_key  VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    read_at    DATETIME(3) NULL,
    created_at DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_inbox_messages_dedup (dedup_key),
    KEY idx_inbox_messages_user_created (user_id, created_at),
    KEY idx_inbox_messages_user_unread (user_id, read_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One-time subscribe consents: each "allow" in wx.requestSubscribeMessage adds one, each send
-- spends one through a conditional UPDATE (remaining > 0), WeChat's 43101 sets it to 0.
CREATE TABLE subscription_consents (
    user_id     BIGINT UNSIGNED NOT NULL,
    template_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    remaining   INT NOT NULL DEFAULT 0,
    updated_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (user_id, template_id),
    CONSTRAINT chk_subscription_consents_remaining CHECK (remaining >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Messages to send. Life cycle:
--   pending --claim--> sending --WeChat ok--> sent
--                         |--no consent / 43101--> skipped
--                         |--invalid argument, too many attempts, outcome unknown--> dead
--                         '--WeChat unavailable--> pending (next_attempt_at later)
--   dead --staff retry--> pending
-- While a row is 'sending', next_attempt_at equals lease_until, so that the one index
-- (status, next_attempt_at) finds both due pending rows and expired leases.
CREATE TABLE outbox (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    kind            VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    dedup_key       VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id         BIGINT UNSIGNED NOT NULL,
    -- {"openid": "...", "template_id": "...", "page": "...", "data": {"thing1": "..."}}
    payload         JSON NOT NULL,
    status          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    attempts        INT NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(3) NOT NULL,
    -- A token unique to one claim: every later write of the claimer is fenced on it.
    lease_owner     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    lease_until     DATETIME(3) NULL,
    -- Set, under the fence, just before WeChat is called: a lease that expires with it set may
    -- have been sent, so it is never sent again automatically (see internal/notify).
    send_started_at DATETIME(3) NULL,
    -- Redacted: never an access token or secret.
    last_error      VARCHAR(500) NULL,
    created_at      DATETIME(3) NOT NULL,
    updated_at      DATETIME(3) NOT NULL,
    sent_at         DATETIME(3) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_outbox_dedup (dedup_key),
    KEY idx_outbox_status_next (status, next_attempt_at),
    CONSTRAINT chk_outbox_status CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'dead')),
    CONSTRAINT chk_outbox_attempts CHECK (attempts >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE outbox;
DROP TABLE subscription_consents;
DROP TABLE inbox_messages;
