-- Visits out and delegations in (叩门招商, issue 14 section 4): the plan asks for at least 50
-- visits out (走出去) and 20 delegations received (请进来) a year, and 15 investment events
-- (招商活动).
--
-- A visit is of a kind ('out', 'in', 'event'), on a Beijing date, at a place, led by a leader
-- (name and title as text) with participants (text). It may belong to a township (township staff
-- record and see their township's visits only; NULL = a district visit, seen by district and
-- department staff). What it met is kept in child rows: merchants (merchants.person_id),
-- enterprises (name and 统一社会信用代码 as text: merchant_enterprises rows are rewritten when a
-- merchant is edited, so their ids are not kept), and projects pitched (projects.id). The result
-- is a code (contacted 初步接洽, intent 达成意向, signed 签约, none 无进展) with the outcome in words;
-- a signing never moves the project's status (staff do that on the project).
--
-- Follow-ups carry a task, an owner (a staff account, a department, or both), a due date and
-- done_at; one is overdue when it is not done and its due date has passed (Beijing).

-- +goose Up
CREATE TABLE visits (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    kind          VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    title         VARCHAR(100) NOT NULL,
    visited_on    DATE NOT NULL,
    place         VARCHAR(100) NOT NULL,
    leader_name   VARCHAR(32) NOT NULL DEFAULT '',
    leader_title  VARCHAR(50) NOT NULL DEFAULT '',
    participants  VARCHAR(500) NOT NULL DEFAULT '',
    township_code VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NULL,
    result        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'contacted',
    outcome       VARCHAR(2000) NOT NULL DEFAULT '',
    version       INT UNSIGNED NOT NULL DEFAULT 1,
    created_by    BIGINT UNSIGNED NOT NULL,
    created_at    DATETIME(3) NOT NULL,
    updated_at    DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    -- the year's counts and the list (latest visit first)
    KEY idx_visits_on (visited_on, kind),
    KEY idx_visits_township (township_code, visited_on),
    CONSTRAINT chk_visits_kind CHECK (kind IN ('out', 'in', 'event')),
    CONSTRAINT chk_visits_result CHECK (result IN ('contacted', 'intent', 'signed', 'none')),
    CONSTRAINT chk_visits_version CHECK (version >= 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE visit_merchants (
    visit_id    BIGINT UNSIGNED NOT NULL,
    merchant_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (visit_id, merchant_id),
    -- the merchant page's visits
    KEY idx_visit_merchants_merchant (merchant_id, visit_id),
    CONSTRAINT fk_visit_merchants_visit FOREIGN KEY (visit_id) REFERENCES visits (id),
    CONSTRAINT fk_visit_merchants_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (person_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE visit_enterprises (
    id       BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    visit_id BIGINT UNSIGNED NOT NULL,
    name     VARCHAR(100) NOT NULL,
    -- 统一社会信用代码, check character verified; NULL when unknown. Not unique: one enterprise is
    -- met on many visits.
    uscc     CHAR(18) CHARACTER SET ascii COLLATE ascii_bin NULL,
    PRIMARY KEY (id),
    KEY idx_visit_enterprises_visit (visit_id, id),
    KEY idx_visit_enterprises_uscc (uscc),
    CONSTRAINT fk_visit_enterprises_visit FOREIGN KEY (visit_id) REFERENCES visits (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE visit_projects (
    visit_id   BIGINT UNSIGNED NOT NULL,
    project_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (visit_id, project_id),
    -- the project page's visits
    KEY idx_visit_projects_project (project_id, visit_id),
    CONSTRAINT fk_visit_projects_visit FOREIGN KEY (visit_id) REFERENCES visits (id),
    CONSTRAINT fk_visit_projects_project FOREIGN KEY (project_id) REFERENCES projects (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE visit_followups (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    visit_id         BIGINT UNSIGNED NOT NULL,
    task             VARCHAR(500) NOT NULL,
    owner_staff_id   BIGINT UNSIGNED NULL,
    owner_department VARCHAR(64) NOT NULL DEFAULT '',
    due_on           DATE NOT NULL,
    done_at          DATETIME(3) NULL,
    done_by          BIGINT UNSIGNED NULL,
    done_note        VARCHAR(500) NOT NULL DEFAULT '',
    created_by       BIGINT UNSIGNED NOT NULL,
    created_at       DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_visit_followups_visit (visit_id, id),
    -- the overdue list: open follow-ups by due date
    KEY idx_visit_followups_open (done_at, due_on),
    CONSTRAINT fk_visit_followups_visit FOREIGN KEY (visit_id) REFERENCES visits (id),
    CONSTRAINT fk_visit_followups_owner FOREIGN KEY (owner_staff_id) REFERENCES staff (id),
    CONSTRAINT chk_visit_followups_owner CHECK (owner_staff_id IS NOT NULL OR owner_department <> ''),
    CONSTRAINT chk_visit_followups_done CHECK ((done_at IS NULL) = (done_by IS NULL))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE visit_followups;
DROP TABLE visit_projects;
DROP TABLE visit_enterprises;
DROP TABLE visit_merchants;
DROP TABLE visits;
