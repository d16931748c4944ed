-- The staff console's home page (工作台) counts in the actor's scope; each count reads an index:
--   returnees (created_at, township_code): registrations of the last 12 months by township and
--     month, a range of created_at (which never changes after the insert).
--   returnees (township_code, intention): records by startup intention, for one township a
--     range, for the district a scan of this small index (intention changes rarely).
-- (The claims of the last 30 days read idx_persons_claimed of 00010.)

-- +goose Up
ALTER TABLE returnees
    ADD KEY idx_returnees_created (created_at, township_code),
    ADD KEY idx_returnees_intention (township_code, intention);

-- +goose Down
ALTER TABLE returnees
    DROP KEY idx_returnees_intention,
    DROP KEY idx_returnees_created;
