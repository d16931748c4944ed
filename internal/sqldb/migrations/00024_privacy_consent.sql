-- +goose Up
-- Consent to the privacy policy (PIPL: separate consent before sensitive personal information,
-- here ID numbers and bank accounts). users holds the version a user accepted last and when, the
-- column the write paths read with the user (one read, no extra statement);
-- privacy_consents keeps every version each user accepted, with the first time they accepted it.
ALTER TABLE users ADD COLUMN privacy_version VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL;
ALTER TABLE users ADD COLUMN privacy_accepted_at DATETIME(3) NULL;

CREATE TABLE privacy_consents (
    user_id     BIGINT UNSIGNED NOT NULL,
    version     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    accepted_at DATETIME(3) NOT NULL,
    PRIMARY KEY (user_id, version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE privacy_consents;
ALTER TABLE users DROP COLUMN privacy_accepted_at;
ALTER TABLE users DROP COLUMN privacy_version;
