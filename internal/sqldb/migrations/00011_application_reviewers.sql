-- Who decided each stage of an application (four eyes: the district decision comes from another
-- account than the township decision, the disbursement from another account than the district
-- decision, each a condition of the transition's UPDATE), who confirmed an enterprise loan's
-- business licence, and an index to count a person's loans whatever the borrower.

-- +goose Up
ALTER TABLE applications
    ADD COLUMN township_reviewer_id BIGINT UNSIGNED NULL AFTER decided_at,
    ADD COLUMN district_reviewer_id BIGINT UNSIGNED NULL AFTER township_reviewer_id,
    -- the township reviewer who confirmed the attached business licence of an enterprise loan
    -- whose USCC is not the business on the applicant's record
    ADD COLUMN licence_confirmed_by BIGINT UNSIGNED NULL AFTER district_reviewer_id,
    ADD KEY idx_applications_person (person_id, policy_code, status);

-- Applications decided before this migration: the deciders are on the timeline.
UPDATE applications a SET township_reviewer_id = (
    SELECT e.actor_id FROM application_events e
    WHERE e.application_id = a.id AND e.from_status = 'submitted' AND e.actor_type = 'staff'
    ORDER BY e.at DESC, e.id DESC LIMIT 1)
WHERE a.status IN ('township_approved', 'approved', 'disbursed', 'returned', 'rejected');

UPDATE applications a SET district_reviewer_id = (
    SELECT e.actor_id FROM application_events e
    WHERE e.application_id = a.id AND e.from_status = 'township_approved' AND e.actor_type = 'staff'
    ORDER BY e.at DESC, e.id DESC LIMIT 1)
WHERE a.status IN ('approved', 'disbursed', 'returned', 'rejected');

-- +goose Down
ALTER TABLE applications
    DROP KEY idx_applications_person,
    DROP COLUMN licence_confirmed_by,
    DROP COLUMN district_reviewer_id,
    DROP COLUMN township_reviewer_id;
