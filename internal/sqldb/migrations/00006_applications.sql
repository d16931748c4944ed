-- Startup subsidy and guaranteed loans: support policies as data, applications with a guarded
-- state machine, their timeline, the loan borrowers' lock rows, and idempotency keys.

-- +goose Up
CREATE TABLE support_policies (
    code               VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    kind               VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name               VARCHAR(64) NOT NULL,
    description        VARCHAR(1000) NOT NULL DEFAULT '',
    -- subsidy: the fixed amount; loan: the caps by borrower type. Integer fen.
    amount_fen         BIGINT NULL,
    cap_individual_fen BIGINT NULL,
    cap_enterprise_fen BIGINT NULL,
    max_times          INT NOT NULL,
    -- subsidy: days after business registration within which one may apply (NULL: no limit)
    window_days        INT NULL,
    materials          JSON NOT NULL,
    is_open            BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order         INT NOT NULL DEFAULT 0,
    created_at         DATETIME(3) NOT NULL,
    updated_at         DATETIME(3) NOT NULL,
    PRIMARY KEY (code),
    CONSTRAINT chk_policies_kind CHECK (kind IN ('subsidy', 'loan')),
    CONSTRAINT chk_policies_amounts CHECK ((amount_fen IS NULL OR amount_fen > 0) AND (cap_individual_fen IS NULL OR cap_individual_fen > 0)
        AND (cap_enterprise_fen IS NULL OR cap_enterprise_fen > 0) AND max_times > 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

INSERT INTO support_policies (code, kind, name, description, amount_fen, cap_individual_fen, cap_enterprise_fen, max_times, window_days, materials, sort_order, created_at, updated_at) VALUES
    ('startup_subsidy', 'subsidy', '一次性创业补贴',
     '返乡人员首次创办市场主体（取得营业执照）的，可申请一次性创业补贴 5000 元，每人限一次。',
     500000, NULL, NULL, 1, 365,
     '[{"kind":"business_licence","label":"营业执照","required":true},{"kind":"id_front","label":"身份证人像面","required":true},{"kind":"id_back","label":"身份证国徽面","required":true},{"kind":"other","label":"其他材料","required":false}]',
     10, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)),
    ('guaranteed_loan', 'loan', '创业担保贷款',
     '个人最高 30 万元，小微企业最高 500 万元，每个借款人累计最多 3 次。',
     NULL, 30000000, 500000000, 3, NULL,
     '[{"kind":"id_front","label":"身份证人像面","required":true},{"kind":"id_back","label":"身份证国徽面","required":true},{"kind":"business_licence","label":"营业执照（企业借款必传）","required":false},{"kind":"other","label":"其他材料","required":false}]',
     20, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3));

CREATE TABLE applications (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    policy_code       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    policy_kind       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id           BIGINT UNSIGNED NOT NULL,
    person_id         BIGINT UNSIGNED NOT NULL,
    township_code     VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status            VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    version           INT NOT NULL DEFAULT 1,
    borrower_type     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'individual',
    enterprise_name   VARCHAR(100) NOT NULL DEFAULT '',
    enterprise_uscc   CHAR(18) CHARACTER SET ascii COLLATE ascii_bin NULL,
    -- Who the loan limit counts against: P:<person id> or E:<USCC>.
    borrower_key      VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    amount_fen        BIGINT NOT NULL,
    term_months       INT NULL,
    purpose           VARCHAR(500) NOT NULL DEFAULT '',
    bank_name         VARCHAR(64) NOT NULL DEFAULT '',
    bank_account_enc  VARBINARY(255) NULL,
    contact_phone_enc VARBINARY(255) NULL,
    jobs_created      INT NULL,
    field_comments    JSON NULL,
    disbursed_fen     BIGINT NULL,
    paid_on           DATE NULL,
    bank_reference    VARCHAR(64) NOT NULL DEFAULT '',
    submitted_at      DATETIME(3) NULL,
    decided_at        DATETIME(3) NULL,
    created_at        DATETIME(3) NOT NULL,
    updated_at        DATETIME(3) NOT NULL,
    -- The subsidy at most once per person: one live (submitted, under review, returned, approved
    -- or disbursed) application per policy and person. Drafts, rejected and withdrawn ones do
    -- not count. A stored generated column so MySQL itself refuses the second.
    grant_key         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin AS (
                          CASE WHEN policy_kind = 'subsidy' AND status NOT IN ('draft', 'rejected', 'withdrawn')
                               THEN CONCAT(policy_code, ':', person_id) END) STORED,
    PRIMARY KEY (id),
    UNIQUE KEY uk_applications_grant (grant_key),
    KEY idx_applications_user (user_id, created_at),
    KEY idx_applications_queue (status, township_code, submitted_at),
    KEY idx_applications_borrower (borrower_key, status),
    KEY idx_applications_policy (policy_code, status),
    CONSTRAINT chk_applications_status CHECK (status IN ('draft', 'submitted', 'township_approved', 'approved', 'disbursed', 'returned', 'rejected', 'withdrawn')),
    CONSTRAINT chk_applications_amount CHECK (amount_fen > 0 AND (disbursed_fen IS NULL OR disbursed_fen > 0)),
    CONSTRAINT chk_applications_borrower CHECK (borrower_type IN ('individual', 'enterprise'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The timeline of an application: every transition, who, when, from, to, why.
CREATE TABLE application_events (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    application_id BIGINT UNSIGNED NOT NULL,
    at             DATETIME(3) NOT NULL,
    actor_type     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    actor_id       BIGINT UNSIGNED NULL,
    actor_role     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    from_status    VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    to_status      VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    comment        VARCHAR(500) NOT NULL DEFAULT '',
    field_comments JSON NULL,
    PRIMARY KEY (id),
    KEY idx_application_events (application_id, at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One row per loan borrower, locked while a loan of theirs is approved, so that counting the
-- approved loans and approving one more is a single serialised step.
CREATE TABLE loan_borrowers (
    borrower_key VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at   DATETIME(3) NOT NULL,
    PRIMARY KEY (borrower_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE idempotency_keys (
    scope        VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    owner_id     BIGINT UNSIGNED NOT NULL,
    idem_key     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    request_hash BINARY(32) NOT NULL,
    status       INT NOT NULL,
    response     MEDIUMBLOB NULL,
    created_at   DATETIME(3) NOT NULL,
    PRIMARY KEY (scope, owner_id, idem_key),
    KEY idx_idempotency_created (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE loan_borrowers;
DROP TABLE application_events;
DROP TABLE applications;
DROP TABLE support_policies;
