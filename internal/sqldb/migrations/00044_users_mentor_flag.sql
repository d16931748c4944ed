-- users.is_mentor: whether the user is an active mentor (创业导师), i.e. the person the user
-- claimed has a mentors row with status 'active'. GET /api/v1/me answers it on every launch of
-- the mini program; read through persons and mentors it cost MariaDB 89 µs per /me against 46 µs
-- for the user's row alone (docs/benchmarks.md, "/me without the join"). It is a copy of what
-- persons and mentors say, rewritten in the transaction of every change that can alter it
-- (person.RefreshMentorFlag: a mentor created or updated, a person claimed by a user); the
-- mentor routes themselves still ask mentors, never this flag.

-- +goose Up
ALTER TABLE users ADD COLUMN is_mentor TINYINT(1) NOT NULL DEFAULT 0;

UPDATE users u JOIN persons p ON p.user_id = u.id JOIN mentors m ON m.person_id = p.id AND m.status = 'active'
SET u.is_mentor = 1;

-- +goose Down
ALTER TABLE users DROP COLUMN is_mentor;
