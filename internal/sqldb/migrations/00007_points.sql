-- Alumni contribution points (校友贡献积分): an append-only ledger with one account row per person,
-- earning rules as data, the perks catalogue and the vouchers issued for it.
-- Times are DATETIME(3) in UTC.

-- +goose Up
-- The balance is the sum of the person's entries; the CHECK is the last line of defence, the
-- conditional UPDATE (balance >= ?) is the rule.
CREATE TABLE points_accounts (
    person_id  BIGINT UNSIGNED NOT NULL,
    balance    BIGINT NOT NULL DEFAULT 0,
    version    BIGINT NOT NULL DEFAULT 0,
    created_at DATETIME(3) NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    PRIMARY KEY (person_id),
    CONSTRAINT chk_points_balance CHECK (balance >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE points_rules (
    code           VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name           VARCHAR(64) NOT NULL,
    description    VARCHAR(255) NOT NULL DEFAULT '',
    points         BIGINT NOT NULL,
    -- When set, the rule gives points for every whole per_amount_fen of an amount (donations).
    per_amount_fen BIGINT NULL,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order     INT NOT NULL DEFAULT 0,
    PRIMARY KEY (code),
    CONSTRAINT chk_points_rules_points CHECK (points > 0),
    CONSTRAINT chk_points_rules_per CHECK (per_amount_fen IS NULL OR per_amount_fen > 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

INSERT INTO points_rules (code, name, description, points, per_amount_fen, active, sort_order) VALUES
    ('event_attendance', '参加校友返校活动', '参加区里组织的校友返校、座谈、招商推介等活动，每次', 20, NULL, TRUE, 10),
    ('donation', '捐资助学、公益捐赠', '每捐赠 1,000 元', 10, 100000, TRUE, 20),
    ('project_referral', '推荐项目签约落地', '推荐的招商项目正式签约，每个项目', 500, NULL, TRUE, 30),
    ('investment_landed', '投资项目落地', '本人投资的项目在咸安落地，每个项目', 1000, NULL, TRUE, 40),
    ('expert_consultation', '提供专家咨询服务', '作为专家库成员为企业或部门提供一次咨询', 50, NULL, TRUE, 50),
    ('talent_referral', '引荐人才回归', '引荐的人才到咸安就业创业，每人', 100, NULL, TRUE, 60);

-- Append-only: rows are never deleted, and only `remaining` changes (the unspent, unexpired part
-- of an earned or refunded entry, consumed oldest expiry first). A correction is a new entry.
CREATE TABLE points_entries (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    person_id         BIGINT UNSIGNED NOT NULL,
    delta             BIGINT NOT NULL,
    -- grant, reverse, redeem, refund, expire
    reason_code       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    rule_code         VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    reference         VARCHAR(128) NOT NULL DEFAULT '',
    note              VARCHAR(255) NOT NULL DEFAULT '',
    -- What makes the entry happen once: grant:<rule>:<person>:<reference>, reverse:<entry>, redeem:<voucher>,
    -- refund:<voucher>:<entry>, expire:<entry>.
    idempotency_key   VARCHAR(191) NOT NULL,
    actor_type        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    actor_id          BIGINT UNSIGNED NULL,
    created_at        DATETIME(3) NOT NULL,
    balance_after     BIGINT NOT NULL,
    expires_at        DATETIME(3) NULL,
    remaining         BIGINT NULL,
    reverses_entry_id BIGINT UNSIGNED NULL,
    voucher_id        BIGINT UNSIGNED NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_points_entries_key (idempotency_key),
    KEY idx_points_entries_person (person_id, id),
    KEY idx_points_entries_spendable (person_id, remaining, expires_at),
    KEY idx_points_entries_due (expires_at, remaining),
    KEY idx_points_entries_created (created_at),
    KEY idx_points_entries_voucher (voucher_id),
    CONSTRAINT chk_points_entries_delta CHECK (delta <> 0),
    CONSTRAINT chk_points_entries_balance CHECK (balance_after >= 0),
    CONSTRAINT chk_points_entries_remaining CHECK (remaining IS NULL OR (remaining >= 0 AND remaining <= delta))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Which earned entries a spend (redeem or reversal) consumed, so a cancelled voucher gives back
-- points with their original expiry.
CREATE TABLE points_allocations (
    spend_entry_id BIGINT UNSIGNED NOT NULL,
    earn_entry_id  BIGINT UNSIGNED NOT NULL,
    amount         BIGINT NOT NULL,
    PRIMARY KEY (spend_entry_id, earn_entry_id),
    CONSTRAINT chk_points_allocations_amount CHECK (amount > 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE perks (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name             VARCHAR(64) NOT NULL,
    category         VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- The providing unit; department staff whose department equals it verify its vouchers.
    provider_code    VARCHAR(64) NOT NULL,
    points_price     BIGINT NOT NULL,
    -- NULL is unlimited.
    stock            BIGINT NULL,
    -- NULL is no limit; counted over issued and used vouchers.
    per_person_limit INT NULL,
    valid_from       DATETIME(3) NOT NULL,
    valid_until      DATETIME(3) NOT NULL,
    description      TEXT NOT NULL,
    picture_url      VARCHAR(512) NOT NULL DEFAULT '',
    visible          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       DATETIME(3) NOT NULL,
    updated_at       DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_perks_visible (visible, valid_until),
    KEY idx_perks_provider (provider_code),
    CONSTRAINT chk_perks_category CHECK (category IN ('education', 'culture_tourism', 'startup_space', 'procurement', 'other')),
    CONSTRAINT chk_perks_price CHECK (points_price > 0),
    CONSTRAINT chk_perks_stock CHECK (stock IS NULL OR stock >= 0),
    CONSTRAINT chk_perks_limit CHECK (per_person_limit IS NULL OR per_person_limit > 0),
    CONSTRAINT chk_perks_window CHECK (valid_until > valid_from)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE vouchers (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    -- Random, from crypto/rand, over an alphabet without 0/O/1/I/L.
    code             VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    perk_id          BIGINT UNSIGNED NOT NULL,
    person_id        BIGINT UNSIGNED NOT NULL,
    status           VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    points_spent     BIGINT NOT NULL,
    issued_at        DATETIME(3) NOT NULL,
    expires_at       DATETIME(3) NOT NULL,
    used_at          DATETIME(3) NULL,
    used_by_staff_id BIGINT UNSIGNED NULL,
    cancelled_at     DATETIME(3) NULL,
    idempotency_key  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_vouchers_code (code),
    UNIQUE KEY uk_vouchers_idem (person_id, idempotency_key),
    KEY idx_vouchers_person_perk (person_id, perk_id, status),
    KEY idx_vouchers_perk (perk_id, status),
    KEY idx_vouchers_due (status, expires_at),
    CONSTRAINT chk_vouchers_status CHECK (status IN ('issued', 'used', 'cancelled', 'expired')),
    CONSTRAINT chk_vouchers_used CHECK ((status = 'used') = (used_at IS NOT NULL))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE vouchers;
DROP TABLE perks;
DROP TABLE points_allocations;
DROP TABLE points_entries;
DROP TABLE points_rules;
DROP TABLE points_accounts;
