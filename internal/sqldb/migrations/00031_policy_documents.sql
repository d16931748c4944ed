-- Policy documents (政策原文 PDF): staff attach them to a policy; people open them from the
-- policy page. They are uploads of kind 'policy_document', owned by no user (owner 0) and
-- attached to ('policy', id) from the moment they are saved, so the sweep of unclaimed uploads
-- never takes them; removing one marks it deleted.

-- +goose Up
ALTER TABLE uploads
    DROP CONSTRAINT chk_uploads_kind,
    ADD CONSTRAINT chk_uploads_kind CHECK (kind IN ('business_licence', 'id_front', 'id_back', 'other', 'policy_document'));

-- +goose Down
DELETE FROM uploads WHERE kind = 'policy_document';
ALTER TABLE uploads
    DROP CONSTRAINT chk_uploads_kind,
    ADD CONSTRAINT chk_uploads_kind CHECK (kind IN ('business_licence', 'id_front', 'id_back', 'other'));
