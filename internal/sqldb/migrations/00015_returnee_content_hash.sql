-- The SHA-256 of the user text of a returnee record that WeChat's content check last passed
-- (content_review 'ok'). A self-service save whose text hashes the same keeps that verdict
-- instead of asking WeChat again; any other text, and every write by staff or an import, is
-- checked afresh (staff and import writes clear it).

-- +goose Up
ALTER TABLE returnees ADD COLUMN content_hash BINARY(32) NULL AFTER content_review;

-- +goose Down
ALTER TABLE returnees DROP COLUMN content_hash;
