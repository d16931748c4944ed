-- Appointment reminders are pushes written when the mentor confirms, due the day before and an
-- hour before the start; cancelling the appointment skips those not sent yet, with the reason
-- 'cancelled'.

-- +goose Up
ALTER TABLE outbox DROP CONSTRAINT chk_outbox_skip;
ALTER TABLE outbox ADD CONSTRAINT chk_outbox_skip CHECK (skip_reason IS NULL OR skip_reason IN ('no_consent', 'cap', 'turned_off', 'cancelled'));

-- +goose Down
UPDATE outbox SET skip_reason = NULL WHERE skip_reason = 'cancelled';
ALTER TABLE outbox DROP CONSTRAINT chk_outbox_skip;
ALTER TABLE outbox ADD CONSTRAINT chk_outbox_skip CHECK (skip_reason IS NULL OR skip_reason IN ('no_consent', 'cap', 'turned_off'));
