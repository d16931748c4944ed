-- Alumni (校友回归): registration on the same person record as the returnee registry, the schools
-- and grades staff maintain as data, and events with QR check-in that earn contribution points.
-- Times are DATETIME(3) in UTC. No foreign keys, as elsewhere in the schema: the code checks
-- references under the locks it holds.

-- +goose Up
-- Schools alumni pick from. is_demo marks rows made up for the seed data (not an official list).
CREATE TABLE schools (
    code       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name       VARCHAR(64) NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order INT NOT NULL DEFAULT 0,
    is_demo    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME(3) NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    PRIMARY KEY (code),
    UNIQUE KEY uk_schools_name (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

INSERT INTO schools (code, name, active, sort_order, is_demo, created_at, updated_at) VALUES
    ('xa_shiyan_gz', '咸安区实验高中', TRUE, 10, TRUE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)),
    ('xa_yizhong', '咸安区第一中学', TRUE, 20, TRUE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)),
    ('xn_gaozhong', '咸宁高级中学', TRUE, 30, TRUE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)),
    ('xa_zhiye', '咸安区职业教育中心', TRUE, 40, TRUE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)),
    ('hbkj_xy', '湖北科技学院', TRUE, 50, TRUE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3));

-- Grades staff give approved alumni. Data, not code: add rows to add grades.
CREATE TABLE alumni_grades (
    code       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name       VARCHAR(64) NOT NULL,
    sort_order INT NOT NULL DEFAULT 0,
    PRIMARY KEY (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

INSERT INTO alumni_grades (code, name, sort_order) VALUES
    ('regular', '普通校友', 10),
    ('expert', '专家库成员', 20),
    ('distinguished', '杰出校友', 30);

-- One alumnus record per person. status moves pending → approved / rejected by a conditional
-- UPDATE on version; a self-edit of the school or years puts it back to pending.
CREATE TABLE alumni (
    person_id         BIGINT UNSIGNED NOT NULL,
    school_code       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    entry_year        SMALLINT NOT NULL,
    graduation_year   SMALLINT NULL,
    current_city      VARCHAR(32) NOT NULL DEFAULT '',
    organization      VARCHAR(100) NOT NULL DEFAULT '',
    industry          VARCHAR(64) NOT NULL DEFAULT '',
    title             VARCHAR(64) NOT NULL DEFAULT '',
    expertise         VARCHAR(500) NOT NULL DEFAULT '',
    directory_consent BOOLEAN NOT NULL DEFAULT FALSE,
    status            VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'pending',
    grade_code        VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    -- ok; pending: WeChat's content check could not be reached; review: WeChat asked for review.
    content_review    VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'ok',
    -- self (mini program) or grid (staff entry)
    source            VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    reviewed_by       BIGINT UNSIGNED NULL,
    reviewed_at       DATETIME(3) NULL,
    review_comment    VARCHAR(200) NOT NULL DEFAULT '',
    created_at        DATETIME(3) NOT NULL,
    updated_at        DATETIME(3) NOT NULL,
    version           INT NOT NULL DEFAULT 1,
    PRIMARY KEY (person_id),
    KEY idx_alumni_status (status, updated_at),
    KEY idx_alumni_school (school_code, status),
    KEY idx_alumni_grade (grade_code),
    CONSTRAINT chk_alumni_status CHECK (status IN ('pending', 'approved', 'rejected'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- What an alumnus may offer: talent, investment, projects, advice (several).
CREATE TABLE alumni_offers (
    person_id BIGINT UNSIGNED NOT NULL,
    code      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (person_id, code),
    KEY idx_alumni_offers_code (code),
    CONSTRAINT chk_alumni_offers_code CHECK (code IN ('talent', 'investment', 'projects', 'advice'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Events whose attendees check in by scanning a QR code carrying huixiang:event:<id>:<token>.
CREATE TABLE events (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    title             VARCHAR(100) NOT NULL,
    starts_at         DATETIME(3) NOT NULL,
    ends_at           DATETIME(3) NOT NULL,
    checkin_opens_at  DATETIME(3) NOT NULL,
    checkin_closes_at DATETIME(3) NOT NULL,
    points_rule       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- 32 bytes from crypto/rand, base64url: what the QR code carries.
    token             VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_by        BIGINT UNSIGNED NOT NULL,
    created_at        DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_events_starts (starts_at),
    CONSTRAINT chk_events_times CHECK (ends_at > starts_at AND checkin_closes_at > checkin_opens_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Once per person and event: the PRIMARY KEY decides. points_granted_at is set once the points
-- ledger has the grant (it commits in its own transaction; see alumni.CheckIn).
CREATE TABLE event_checkins (
    event_id          BIGINT UNSIGNED NOT NULL,
    person_id         BIGINT UNSIGNED NOT NULL,
    checked_in_at     DATETIME(3) NOT NULL,
    points_granted_at DATETIME(3) NULL,
    PRIMARY KEY (event_id, person_id),
    KEY idx_event_checkins_person (person_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE event_checkins;
DROP TABLE events;
DROP TABLE alumni_offers;
DROP TABLE alumni;
DROP TABLE alumni_grades;
DROP TABLE schools;
