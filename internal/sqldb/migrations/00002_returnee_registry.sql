-- The returnee registry (返乡人员数据清单): regions, one person per ID number, the returnee profile,
-- staff-editable option lists, change history and import batches.

-- +goose Up
-- District → township → village. is_demo marks codes made up for demo data (not official).
CREATE TABLE regions (
    code        VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    parent_code VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NULL,
    level       TINYINT NOT NULL,
    name        VARCHAR(64) NOT NULL,
    is_demo     BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order  INT NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  DATETIME(3) NOT NULL,
    updated_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (code),
    KEY idx_regions_parent (parent_code, sort_order, code),
    CONSTRAINT chk_regions_level CHECK (level IN (1, 2, 3))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Option lists staff may change: intended fields, needs, skill tags, education levels...
CREATE TABLE option_items (
    kind       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    code       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    label      VARCHAR(64) NOT NULL,
    sort_order INT NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (kind, code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One row per human being (一人一档), whatever registries they appear in. The ID number and phone
-- are AES-256-GCM ciphertexts with HMAC blind indexes; the ID index is UNIQUE, so the same person
-- cannot be registered twice, and user_id is UNIQUE, so a WeChat user owns at most one person.
CREATE TABLE persons (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    id_card_enc    VARBINARY(255) NOT NULL,
    id_card_idx    BINARY(32) NOT NULL,
    name           VARCHAR(32) NOT NULL,
    gender         CHAR(1) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    birth_date     DATE NOT NULL,
    phone_enc      VARBINARY(255) NULL,
    phone_idx      BINARY(32) NULL,
    user_id        BIGINT UNSIGNED NULL,
    created_source VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    claimed_at     DATETIME(3) NULL,
    created_at     DATETIME(3) NOT NULL,
    updated_at     DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_persons_id_card (id_card_idx),
    UNIQUE KEY uk_persons_user (user_id),
    KEY idx_persons_phone (phone_idx),
    CONSTRAINT chk_persons_gender CHECK (gender IN ('M', 'F'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE returnees (
    person_id           BIGINT UNSIGNED NOT NULL,
    township_code       VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    village_code        VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status              VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    left_on             DATE NULL,
    returned_on         DATE NULL,
    plan_return_on      DATE NULL,
    work_province       VARCHAR(32) NOT NULL DEFAULT '',
    work_city           VARCHAR(32) NOT NULL DEFAULT '',
    industry            VARCHAR(64) NOT NULL DEFAULT '',
    years_away          SMALLINT NULL,
    skills_text         VARCHAR(500) NOT NULL DEFAULT '',
    certificates        VARCHAR(500) NOT NULL DEFAULT '',
    education           VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    intention           VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'none',
    intention_note      VARCHAR(500) NOT NULL DEFAULT '',
    business_name       VARCHAR(100) NOT NULL DEFAULT '',
    business_type       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    uscc                CHAR(18) CHARACTER SET ascii COLLATE ascii_bin NULL,
    business_started_on DATE NULL,
    jobs_created        INT NULL,
    -- ok; pending: WeChat's content check could not be reached; review: WeChat asked for review.
    content_review      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'ok',
    confirmed_at        DATETIME(3) NOT NULL,
    created_at          DATETIME(3) NOT NULL,
    updated_at          DATETIME(3) NOT NULL,
    version             INT NOT NULL DEFAULT 1,
    PRIMARY KEY (person_id),
    KEY idx_returnees_region (township_code, village_code),
    KEY idx_returnees_confirmed (township_code, confirmed_at),
    KEY idx_returnees_updated (updated_at),
    CONSTRAINT chk_returnees_status CHECK (status IN ('away', 'returned', 'planning')),
    CONSTRAINT chk_returnees_intention CHECK (intention IN ('none', 'considering', 'preparing', 'started')),
    CONSTRAINT chk_returnees_jobs CHECK (jobs_created IS NULL OR jobs_created >= 0),
    CONSTRAINT chk_returnees_years CHECK (years_away IS NULL OR years_away BETWEEN 0 AND 80)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Multi-valued profile fields (intended fields, needs, skill tags), one row per value, so that
-- filters are indexed joins rather than JSON scans.
CREATE TABLE returnee_tags (
    person_id BIGINT UNSIGNED NOT NULL,
    kind      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    code      VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (person_id, kind, code),
    KEY idx_returnee_tags_code (kind, code, person_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE import_batches (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    kind         VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    staff_id     BIGINT UNSIGNED NOT NULL,
    filename     VARCHAR(255) NOT NULL,
    status       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    rows_total   INT NOT NULL DEFAULT 0,
    rows_created INT NOT NULL DEFAULT 0,
    rows_updated INT NOT NULL DEFAULT 0,
    rows_failed  INT NOT NULL DEFAULT 0,
    created_at   DATETIME(3) NOT NULL,
    finished_at  DATETIME(3) NULL,
    PRIMARY KEY (id),
    KEY idx_import_batches_created (kind, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE import_errors (
    batch_id    BIGINT UNSIGNED NOT NULL,
    row_num     INT NOT NULL,
    column_name VARCHAR(64) NOT NULL,
    reason      VARCHAR(255) NOT NULL,
    seq         INT NOT NULL,
    PRIMARY KEY (batch_id, row_num, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Who changed which fields of a record, when, through which channel. Field names only: values
-- of personal information never go here.
CREATE TABLE record_changes (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    person_id       BIGINT UNSIGNED NOT NULL,
    changed_at      DATETIME(3) NOT NULL,
    source          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    actor_type      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    actor_id        BIGINT UNSIGNED NULL,
    import_batch_id BIGINT UNSIGNED NULL,
    action          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    fields          JSON NOT NULL,
    PRIMARY KEY (id),
    KEY idx_record_changes_person (person_id, changed_at),
    CONSTRAINT chk_record_changes_source CHECK (source IN ('self', 'grid', 'import'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Starting values of the option lists; staff change them as data afterwards.
INSERT INTO option_items (kind, code, label, sort_order) VALUES
    ('intended_field', 'agri_processing', '农产品加工', 10),
    ('intended_field', 'rural_tourism', '乡村旅游', 20),
    ('intended_field', 'ecommerce', '农村电商', 30),
    ('intended_field', 'health', '大健康', 40),
    ('intended_field', 'bamboo', '竹艺', 50),
    ('intended_field', 'ramie', '苎麻', 60),
    ('intended_field', 'tea', '茶叶', 70),
    ('intended_field', 'osmanthus', '桂花', 80),
    ('intended_field', 'other', '其他', 990),
    ('need', 'funds', '资金', 10),
    ('need', 'site', '场地', 20),
    ('need', 'training', '培训', 30),
    ('need', 'mentor', '创业导师', 40),
    ('need', 'policy', '政策咨询', 50),
    ('need', 'workers', '用工', 60),
    ('skill', 'electrician', '电工', 10),
    ('skill', 'welder', '焊工', 20),
    ('skill', 'cook', '厨师', 30),
    ('skill', 'driver', '驾驶', 40),
    ('skill', 'construction', '建筑施工', 50),
    ('skill', 'ecommerce', '电子商务', 60),
    ('skill', 'farming', '种植养殖', 70),
    ('skill', 'mechanic', '机械维修', 80),
    ('skill', 'tailoring', '服装制作', 90),
    ('skill', 'housekeeping', '家政服务', 100),
    ('skill', 'computer', '计算机', 110),
    ('skill', 'other', '其他', 990),
    ('education', 'primary', '小学及以下', 10),
    ('education', 'junior', '初中', 20),
    ('education', 'senior', '高中/中专', 30),
    ('education', 'college', '大专', 40),
    ('education', 'bachelor', '本科', 50),
    ('education', 'master', '硕士及以上', 60),
    ('business_type', 'individual', '个体工商户', 10),
    ('business_type', 'company', '企业', 20),
    ('business_type', 'cooperative', '农民专业合作社', 30),
    ('business_type', 'family_farm', '家庭农场', 40),
    ('business_type', 'other', '其他', 990);

-- +goose Down
DROP TABLE record_changes;
DROP TABLE import_errors;
DROP TABLE import_batches;
DROP TABLE returnee_tags;
DROP TABLE returnees;
DROP TABLE persons;
DROP TABLE option_items;
DROP TABLE regions;
