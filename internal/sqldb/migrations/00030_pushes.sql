-- WeChat pushes of notices (通知) and of policies a person newly meets (政策找人), beside the
-- inbox message each of them always gets.
--
-- A push is an outbox row of kind 'notice_push'. Its channel is chosen when it is sent, not when
-- it is written, because consent and following change in between: a subscribe message when the
-- person holds consent for the notice template, else an official-account template message when
-- their unionid maps to a follower, else nothing (skipped, reason no_consent). A person who
-- turned pushes off, or who has had the weekly number of broadcast pushes, is skipped too.

-- +goose Up
-- Long-term subscriptions (长期订阅, granted to government services) keep their consent until the
-- user turns it off in WeChat (subscribe_msg_change_event); one-time ones count 'remaining'.
ALTER TABLE subscription_consents
    ADD COLUMN long_term BOOLEAN NOT NULL DEFAULT FALSE;

-- The pushes setting of 我的 → 消息推送, and the row locked while the weekly cap is counted, so
-- two workers sending to one person at once cannot both take the last place.
CREATE TABLE notification_settings (
    user_id        BIGINT UNSIGNED NOT NULL,
    pushes_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at     DATETIME(3) NOT NULL,
    PRIMARY KEY (user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Broadcast pushes sent (or being sent) per person: the weekly cap counts these.
CREATE TABLE broadcast_pushes (
    user_id   BIGINT UNSIGNED NOT NULL,
    outbox_id BIGINT UNSIGNED NOT NULL,
    sent_at   DATETIME(3) NOT NULL,
    PRIMARY KEY (user_id, outbox_id),
    KEY idx_broadcast_pushes_user_sent (user_id, sent_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Followers of the district's official account, kept by follow/unfollow events: the map from
-- a mini-program user (users.unionid) to the account's openid a template message is sent to.
CREATE TABLE wechat_followers (
    oa_openid  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    unionid    VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    following  BOOLEAN NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    PRIMARY KEY (oa_openid),
    KEY idx_wechat_followers_unionid (unionid, following)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Message pushes received from WeChat, by FromUserName, CreateTime and event (WeChat's advice):
-- WeChat pushes an event again when we answer slowly, and a one-time consent must count once.
CREATE TABLE wechat_callback_events (
    dedup_key   VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    received_at DATETIME(3) NOT NULL,
    PRIMARY KEY (dedup_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- What a push became: the notice it belongs to (for the report and resend), the channel it went
-- by, why it was skipped, WeChat's msgid (subscribe_msg_sent_event reports delivery by it) and
-- whether WeChat later said it failed to deliver.
ALTER TABLE outbox
    ADD COLUMN notice_id      BIGINT UNSIGNED NULL,
    ADD COLUMN channel        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN skip_reason    VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN wx_msgid       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN delivery_error VARCHAR(64) NULL,
    ADD KEY idx_outbox_notice (notice_id, status),
    ADD KEY idx_outbox_msgid (wx_msgid),
    ADD CONSTRAINT chk_outbox_channel CHECK (channel IS NULL OR channel IN ('subscribe', 'oa')),
    ADD CONSTRAINT chk_outbox_skip CHECK (skip_reason IS NULL OR skip_reason IN ('no_consent', 'cap', 'turned_off'));

-- +goose Down
ALTER TABLE outbox
    DROP CONSTRAINT chk_outbox_skip,
    DROP CONSTRAINT chk_outbox_channel,
    DROP KEY idx_outbox_msgid,
    DROP KEY idx_outbox_notice,
    DROP COLUMN delivery_error,
    DROP COLUMN wx_msgid,
    DROP COLUMN skip_reason,
    DROP COLUMN channel,
    DROP COLUMN notice_id;
DROP TABLE wechat_callback_events;
DROP TABLE wechat_followers;
DROP TABLE broadcast_pushes;
DROP TABLE notification_settings;
ALTER TABLE subscription_consents DROP COLUMN long_term;
