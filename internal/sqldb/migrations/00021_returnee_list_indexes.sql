-- The staff console's registry list is ordered by the last change or the last confirmation,
-- with or without a township: these indexes give each order its rows in order, so a page of 50
-- reads 50 rows instead of sorting every match (see docs/benchmarks.md, "Console list pages").
-- The secondary indexes carry person_id, the order's tie-breaker. The third serves a township
-- clerk's most common filter, the status: its count from the index alone, and its pages in order.

-- Migration 00016 (the write paths) dropped idx_returnees_updated (updated_at) and
-- idx_returnees_confirmed (township_code, confirmed_at) as read by no query then: the district's
-- list, newest change first (the default order, as the API's), reads updated_at in order, so it
-- comes back here under its own name; without it every district page sorts all records.

-- +goose Up
CREATE INDEX idx_returnees_updated_at ON returnees (updated_at);
CREATE INDEX idx_returnees_town_updated ON returnees (township_code, updated_at);
CREATE INDEX idx_returnees_confirmed_at ON returnees (confirmed_at);
CREATE INDEX idx_returnees_town_status ON returnees (township_code, status, updated_at);

-- +goose Down
DROP INDEX idx_returnees_updated_at ON returnees;
DROP INDEX idx_returnees_town_status ON returnees;
DROP INDEX idx_returnees_confirmed_at ON returnees;
DROP INDEX idx_returnees_town_updated ON returnees;
