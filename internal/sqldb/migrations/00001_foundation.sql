-- Foundation: mini-program users, staff accounts and the audit log.
-- Times are DATETIME(3) in UTC (the connection's time_zone is forced to +00:00).

-- +goose Up
CREATE TABLE users (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    openid        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    unionid       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    -- AES-256-GCM ciphertext of the phone number, and its HMAC blind index for lookups.
    phone_enc     VARBINARY(255) NULL,
    phone_idx     BINARY(32) NULL,
    created_at    DATETIME(3) NOT NULL,
    updated_at    DATETIME(3) NOT NULL,
    last_login_at DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_users_openid (openid),
    KEY idx_users_unionid (unionid),
    KEY idx_users_phone_idx (phone_idx)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE staff (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    username        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
    display_name    VARCHAR(64) NOT NULL DEFAULT '',
    password_hash   VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    role            VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    department      VARCHAR(64) NULL,
    township_code   VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NULL,
    failed_attempts INT NOT NULL DEFAULT 0,
    locked_until    DATETIME(3) NULL,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    last_login_at   DATETIME(3) NULL,
    created_at      DATETIME(3) NOT NULL,
    updated_at      DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_staff_username (username),
    CONSTRAINT chk_staff_role CHECK (role IN ('district_admin', 'department', 'township')),
    CONSTRAINT chk_staff_department CHECK (role <> 'department' OR (department IS NOT NULL AND department <> '')),
    CONSTRAINT chk_staff_township CHECK ((role = 'township') = (township_code IS NOT NULL))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Append-only: the code never updates or deletes rows here.
CREATE TABLE audit_log (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    occurred_at DATETIME(3) NOT NULL,
    actor_type  VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    actor_id    BIGINT UNSIGNED NULL,
    actor_name  VARCHAR(64) NOT NULL DEFAULT '',
    action      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    target_type VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    target_id   VARCHAR(64) NOT NULL DEFAULT '',
    client_ip   VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    request_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    detail      JSON NULL,
    PRIMARY KEY (id),
    KEY idx_audit_occurred (occurred_at),
    KEY idx_audit_actor (actor_type, actor_id, occurred_at),
    KEY idx_audit_target (target_type, target_id, occurred_at),
    KEY idx_audit_action (action, occurred_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE audit_log;
DROP TABLE staff;
DROP TABLE users;
