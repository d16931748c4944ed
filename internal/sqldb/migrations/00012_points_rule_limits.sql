-- Limits of the points rules (issue #8): every rule says how many points one grant may give, how
-- many one person may earn under it in a calendar year (Asia/Shanghai), which departments' staff
-- may grant it (a JSON array of staff department names; [] = any department; district
-- administrators grant every rule), and who may receive it: 'alumni' (approved alumni only) or
-- 'registered' (also returnees and alumni awaiting review: event attendance, where returnees
-- check in too). Rules are data: change these rows to change the limits.

-- +goose Up
ALTER TABLE points_rules
    ADD COLUMN max_per_grant       BIGINT NOT NULL DEFAULT 1000,
    ADD COLUMN max_per_person_year BIGINT NOT NULL DEFAULT 5000,
    ADD COLUMN departments         VARCHAR(1000) NOT NULL DEFAULT '[]',
    ADD COLUMN recipients          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'alumni',
    ADD CONSTRAINT chk_points_rules_max_grant CHECK (max_per_grant >= points AND max_per_grant <= 1000000),
    ADD CONSTRAINT chk_points_rules_max_year CHECK (max_per_person_year >= max_per_grant),
    ADD CONSTRAINT chk_points_rules_recipients CHECK (recipients IN ('alumni', 'registered')),
    ADD CONSTRAINT chk_points_rules_departments CHECK (JSON_VALID(departments));

UPDATE points_rules SET max_per_grant = 20, max_per_person_year = 1000, departments = '[]', recipients = 'registered'
    WHERE code = 'event_attendance';
-- 10 points per 1,000 yuan: one grant up to 500,000 yuan, 1,000,000 yuan a year.
UPDATE points_rules SET max_per_grant = 5000, max_per_person_year = 10000, departments = '["区教育局"]', recipients = 'alumni'
    WHERE code = 'donation';
UPDATE points_rules SET max_per_grant = 500, max_per_person_year = 5000, departments = '["区招商中心"]', recipients = 'alumni'
    WHERE code = 'project_referral';
UPDATE points_rules SET max_per_grant = 1000, max_per_person_year = 5000, departments = '["区招商中心"]', recipients = 'alumni'
    WHERE code = 'investment_landed';
UPDATE points_rules SET max_per_grant = 50, max_per_person_year = 1000, departments = '[]', recipients = 'alumni'
    WHERE code = 'expert_consultation';
UPDATE points_rules SET max_per_grant = 100, max_per_person_year = 2000, departments = '["区人社局"]', recipients = 'alumni'
    WHERE code = 'talent_referral';

-- +goose Down
ALTER TABLE points_rules
    DROP CONSTRAINT chk_points_rules_max_grant,
    DROP CONSTRAINT chk_points_rules_max_year,
    DROP CONSTRAINT chk_points_rules_recipients,
    DROP CONSTRAINT chk_points_rules_departments,
    DROP COLUMN max_per_grant,
    DROP COLUMN max_per_person_year,
    DROP COLUMN departments,
    DROP COLUMN recipients;
