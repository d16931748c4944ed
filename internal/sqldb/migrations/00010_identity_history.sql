-- Identity changes in the record history, and the claims list for staff.
-- record_changes.identity_changes holds, for a change of name, ID number or phone, the field with its
-- before and after values masked ([{"field":"phone","before":"138****5678","after":"139****0000"}]);
-- NULL when the change touched none of them. The persons index serves the staff list of claims
-- (records entered by staff or imported that a WeChat user took over), newest first.

-- +goose Up
ALTER TABLE record_changes ADD COLUMN identity_changes JSON NULL;
CREATE INDEX idx_persons_claimed ON persons (claimed_at);

-- +goose Down
DROP INDEX idx_persons_claimed ON persons;
ALTER TABLE record_changes DROP COLUMN identity_changes;
