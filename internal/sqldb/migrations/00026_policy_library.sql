-- The policy library (政策清单): policies staff write and publish, every published version kept,
-- a bigram search index, and people's favourites.
--
-- policies holds the working copy staff edit (version: optimistic lock on edits). Publishing
-- writes the working copy as the next policy_versions row and copies the few columns the
-- public list filters and sorts on into pub_*; people read the published version only, so an
-- edit after publishing is invisible until it is published again. Archiving hides a policy
-- from people and keeps its versions.
--
-- policy_terms indexes the published title, summary and text for search: every pair of
-- adjacent Chinese characters, and every Latin word or number, lowercased. MariaDB has no ngram
-- full-text parser (and TiDB no full-text index): a query's terms must all be present, which is
-- one indexed lookup per term.

-- +goose Up
CREATE TABLE policy_categories (
    code       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name       VARCHAR(32) NOT NULL,
    sort_order INT NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

INSERT INTO policy_categories (code, name, sort_order) VALUES
    ('startup_subsidy', '创业补贴', 10),
    ('guaranteed_loan', '创业担保贷款', 20),
    ('training', '培训补贴', 30),
    ('land_premises', '用地用房', 40),
    ('talent', '人才', 50),
    ('tax', '税费减免', 60),
    ('social_security', '社保', 70),
    ('alumni', '校友礼遇', 80),
    ('other', '其他', 900);

CREATE TABLE policies (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    status            VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'draft',
    title             VARCHAR(100) NOT NULL,
    doc_no            VARCHAR(64) NOT NULL DEFAULT '',
    issuer            VARCHAR(64) NOT NULL DEFAULT '',
    category_code     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- who it is for: a comma list of returnee, alumnus, merchant, enterprise
    targets           VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    summary           VARCHAR(300) NOT NULL DEFAULT '',
    -- the full text: HTML, sanitized to a small safe subset before it is stored
    body_html         MEDIUMTEXT NOT NULL,
    conditions_text   VARCHAR(2000) NOT NULL DEFAULT '',
    -- the conditions as an audience rule (docs/audience.md), NULL when not written as one
    rule              JSON NULL,
    benefits          VARCHAR(2000) NOT NULL DEFAULT '',
    materials         JSON NOT NULL,
    steps             JSON NOT NULL,
    contact_dept      VARCHAR(64) NOT NULL DEFAULT '',
    contact_phone     VARCHAR(32) NOT NULL DEFAULT '',
    effective_on      DATE NULL,
    expires_on        DATE NULL,
    source_url        VARCHAR(300) NOT NULL DEFAULT '',
    -- support_policies.code when it can be applied for in the mini program
    application_code  VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    version           INT NOT NULL DEFAULT 1,
    published_version INT NULL,
    -- the working copy's version that was published last: it has unpublished changes when
    -- version differs
    published_from    INT NULL,
    pub_title         VARCHAR(100) NULL,
    pub_category_code VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    pub_targets       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    pub_expires_on    DATE NULL,
    published_at      DATETIME(3) NULL,
    created_by        BIGINT UNSIGNED NOT NULL,
    updated_by        BIGINT UNSIGNED NOT NULL,
    created_at        DATETIME(3) NOT NULL,
    updated_at        DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_policies_public (status, pub_category_code, published_at),
    KEY idx_policies_updated (updated_at),
    CONSTRAINT chk_policies_status CHECK (status IN ('draft', 'published', 'archived')),
    CONSTRAINT chk_policies_published CHECK (status = 'draft' OR published_version IS NOT NULL)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE policy_versions (
    policy_id    BIGINT UNSIGNED NOT NULL,
    version      INT NOT NULL,
    content      JSON NOT NULL,
    published_by BIGINT UNSIGNED NOT NULL,
    published_at DATETIME(3) NOT NULL,
    PRIMARY KEY (policy_id, version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE policy_terms (
    term      VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    policy_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (term, policy_id),
    KEY idx_policy_terms_policy (policy_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE policy_favourites (
    user_id    BIGINT UNSIGNED NOT NULL,
    policy_id  BIGINT UNSIGNED NOT NULL,
    created_at DATETIME(3) NOT NULL,
    PRIMARY KEY (user_id, policy_id),
    KEY idx_policy_favourites_policy (policy_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE policy_favourites;
DROP TABLE policy_terms;
DROP TABLE policy_versions;
DROP TABLE policies;
DROP TABLE policy_categories;
