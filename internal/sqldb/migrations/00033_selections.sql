-- Yearly selections (评选): 返乡创业示范企业, 优秀创业者, 十大杰出校友. Staff or the people
-- themselves nominate; the organising department reviews; the published list is public. The
-- winners of an alumni selection get its grade and points (through the ledger, once: the
-- points entry's idempotency key names the selection).
--
-- One nomination per person and selection (a UNIQUE key); the published list never holds more
-- than the quota (counted under the selection's row lock when a nomination is selected).

-- +goose Up
CREATE TABLE selections (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    year        SMALLINT NOT NULL,
    kind        VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    title       VARCHAR(60) NOT NULL,
    description VARCHAR(1000) NOT NULL DEFAULT '',
    -- the staff department that reviews (区人社局 ...)
    department  VARCHAR(64) NOT NULL DEFAULT '',
    quota       INT NOT NULL,
    -- self-nominations are taken from opens_on to closes_on (Beijing dates), both included
    opens_on    DATE NOT NULL,
    closes_on   DATE NOT NULL,
    -- open → published (reviewing happens while open or after closes_on)
    status      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'open',
    -- what winners get: an alumni grade and a points rule (alumni selections)
    grade_code  VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    points_rule VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    selected    INT NOT NULL DEFAULT 0,
    created_by  BIGINT UNSIGNED NOT NULL,
    published_by BIGINT UNSIGNED NULL,
    published_at DATETIME(3) NULL,
    created_at  DATETIME(3) NOT NULL,
    updated_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_selections_year_kind (year, kind),
    CONSTRAINT chk_selections_kind CHECK (kind IN ('demo_enterprise', 'outstanding_entrepreneur', 'outstanding_alumni')),
    CONSTRAINT chk_selections_status CHECK (status IN ('open', 'published')),
    CONSTRAINT chk_selections_quota CHECK (quota BETWEEN 1 AND 1000),
    CONSTRAINT chk_selections_selected CHECK (selected BETWEEN 0 AND quota),
    CONSTRAINT chk_selections_window CHECK (closes_on >= opens_on)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE selection_nominations (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    selection_id  BIGINT UNSIGNED NOT NULL,
    person_id     BIGINT UNSIGNED NOT NULL,
    -- NULL: the person nominated themselves in the mini program
    nominated_by  BIGINT UNSIGNED NULL,
    statement     VARCHAR(2000) NOT NULL,
    -- upload ids of the materials (JSON array)
    materials     JSON NOT NULL,
    -- pending → selected / rejected (and back to pending before publication)
    status        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'pending',
    review_note   VARCHAR(500) NOT NULL DEFAULT '',
    reviewed_by   BIGINT UNSIGNED NULL,
    reviewed_at   DATETIME(3) NULL,
    created_at    DATETIME(3) NOT NULL,
    updated_at    DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_nominations_person (selection_id, person_id),
    KEY idx_nominations_status (selection_id, status),
    CONSTRAINT chk_nominations_status CHECK (status IN ('pending', 'selected', 'rejected'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Points of the 十大杰出校友: given once per selection through the ledger.
INSERT INTO points_rules (code, name, description, points, active, sort_order, max_per_grant, max_per_person_year, recipients)
VALUES ('outstanding_alumnus', '当选杰出校友', '在年度“十大杰出校友”评选中当选', 500, TRUE, 70, 500, 5000, 'alumni');

-- +goose Down
DELETE FROM points_rules WHERE code = 'outstanding_alumnus' AND NOT EXISTS (SELECT 1 FROM points_entries WHERE rule_code = 'outstanding_alumnus');
DROP TABLE selection_nominations;
DROP TABLE selections;
