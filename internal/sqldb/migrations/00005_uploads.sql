-- Attachments (business licence, ID photos, other materials) uploaded from the mini program. The
-- bytes live in the storage (a local directory by default) under storage_key; this table is the
-- record of who uploaded what and which record (an application) claimed it.

-- +goose Up
CREATE TABLE uploads (
    -- The public id: 16 random bytes, base64url (22 characters). Case matters, hence ascii_bin.
    id               CHAR(22) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    owner_user_id    BIGINT UNSIGNED NOT NULL,
    kind             VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- Sniffed from the bytes, never the client's claim.
    content_type     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    size             BIGINT UNSIGNED NOT NULL,
    sha256           CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- Made up by the server ("yyyy/mm/<random hex>"), unrelated to id and never from the client.
    storage_key      VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- The client's file name, cleaned; shown and offered on download only.
    original_name    VARCHAR(100) NOT NULL DEFAULT '',
    created_at       DATETIME(3) NOT NULL,
    -- The record that claimed the upload (e.g. 'application', 42); set once, by a conditional
    -- UPDATE ... WHERE attached_to_type IS NULL.
    attached_to_type VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    attached_to_id   BIGINT UNSIGNED NULL,
    attached_at      DATETIME(3) NULL,
    deleted_at       DATETIME(3) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_uploads_storage_key (storage_key),
    KEY idx_uploads_owner (owner_user_id, created_at),
    KEY idx_uploads_attached (attached_to_type, attached_to_id),
    CONSTRAINT chk_uploads_kind CHECK (kind IN ('business_licence', 'id_front', 'id_back', 'other')),
    CONSTRAINT chk_uploads_content_type CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    CONSTRAINT chk_uploads_attached CHECK ((attached_to_type IS NULL) = (attached_to_id IS NULL))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE uploads;
