-- Staff sign-in hardening: a password reset by an administrator is a one-time password that must
-- be changed at the next sign-in, and when the password last changed. The lockout counters moved
-- to Redis (per username and client address); staff.locked_until now holds only the account-wide
-- lock (many failures from many addresses), which district administrators see and lift.

-- +goose Up
ALTER TABLE staff
    ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN password_changed_at DATETIME(3) NULL;

-- +goose Down
ALTER TABLE staff
    DROP COLUMN password_changed_at,
    DROP COLUMN must_change_password;
