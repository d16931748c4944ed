-- Staff find a person by name (the points grant page's search: a name, or a name with the last
-- four digits of the phone): a prefix search on the name column uses this index instead of
-- reading every person. ID numbers and phones stay encrypted; they are found by their blind
-- indexes (full values only).

-- +goose Up
ALTER TABLE persons ADD KEY idx_persons_name (name);

-- +goose Down
ALTER TABLE persons DROP KEY idx_persons_name;
