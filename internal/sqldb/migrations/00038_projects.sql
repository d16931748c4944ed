-- Investment projects (招商项目清单): the plan asks for at least 30 projects packaged a year.
--
-- A project names its industry by a GB/T 4754 code kept as plain text (a section letter A–T,
-- optionally followed by a two-digit division: "C" or "C13"); the industries table of the
-- merchant database is not referenced here, the code is checked by its form. The "3+2" industrial
-- chains of 咸安 are data (industrial_chains). The project lies in a township (regions, level 2)
-- or a park of the service network (service_points kind 'park'), or both.
--
-- Its status moves by one transition table (project.Transitions) under the row lock:
-- planning 策划 → packaging 包装 → promoting 推介 → negotiating 洽谈 → signed 签约 → started 开工 →
-- producing 投产; any status but producing (and terminated) → terminated 终止. Each status
-- records the Beijing date it was reached (<status>_on). Only a project from packaging on, and not
-- terminated, can be published to the mini program; terminating unpublishes it.

-- +goose Up
CREATE TABLE industrial_chains (
    code       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name       VARCHAR(32) NOT NULL,
    -- 'main' (the 3 leading chains) or 'emerging' (the 2 emerging ones)
    tier       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sort_order INT NOT NULL DEFAULT 0,
    PRIMARY KEY (code),
    CONSTRAINT chk_industrial_chains_tier CHECK (tier IN ('main', 'emerging'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

INSERT INTO industrial_chains (code, name, tier, sort_order) VALUES
    ('equipment', '装备制造', 'main', 1),
    ('textile', '纺织服装', 'main', 2),
    ('food', '食品饮料', 'main', 3),
    ('electronics', '电子信息', 'emerging', 4),
    ('biomedicine', '生物医药', 'emerging', 5);

CREATE TABLE projects (
    id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name               VARCHAR(100) NOT NULL,
    industry_code      VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    chain_code         VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    -- the link of the chain the project fills (上游原料, 零部件配套 …)
    chain_link         VARCHAR(50) NOT NULL DEFAULT '',
    township_code      VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NULL,
    park_id            BIGINT UNSIGNED NULL,
    -- money in integer fen; land in hundredths of a mu (1250 = 12.5 亩)
    investment_fen     BIGINT UNSIGNED NOT NULL,
    land_mu_hundredths INT UNSIGNED NOT NULL DEFAULT 0,
    stage              VARCHAR(100) NOT NULL DEFAULT '',
    partner_wanted     VARCHAR(500) NOT NULL DEFAULT '',
    contact_department VARCHAR(50) NOT NULL,
    -- internal: staff only, never in the mini program
    contact_person     VARCHAR(32) NOT NULL DEFAULT '',
    contact_phone      VARCHAR(32) NOT NULL DEFAULT '',
    description        VARCHAR(2000) NOT NULL DEFAULT '',
    status             VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'planning',
    planning_on        DATE NOT NULL,
    packaging_on       DATE NULL,
    promoting_on       DATE NULL,
    negotiating_on     DATE NULL,
    signed_on          DATE NULL,
    started_on         DATE NULL,
    producing_on       DATE NULL,
    terminated_on      DATE NULL,
    published          BOOLEAN NOT NULL DEFAULT FALSE,
    published_at       DATETIME(3) NULL,
    version            INT UNSIGNED NOT NULL DEFAULT 1,
    created_by         BIGINT UNSIGNED NOT NULL,
    created_at         DATETIME(3) NOT NULL,
    updated_at         DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_projects_status (status, updated_at),
    KEY idx_projects_township (township_code, status),
    KEY idx_projects_industry (industry_code),
    KEY idx_projects_chain (chain_code),
    -- the mini program's list: published projects, the latest first
    KEY idx_projects_published (published, published_at),
    -- the year's count against the plan: projects that reached 包装 in the year
    KEY idx_projects_packaging (packaging_on),
    CONSTRAINT fk_projects_chain FOREIGN KEY (chain_code) REFERENCES industrial_chains (code),
    CONSTRAINT chk_projects_status CHECK (status IN ('planning', 'packaging', 'promoting', 'negotiating', 'signed', 'started',
        'producing', 'terminated')),
    CONSTRAINT chk_projects_industry CHECK (industry_code REGEXP '^[A-T]([0-9]{2})?$'),
    CONSTRAINT chk_projects_place CHECK (township_code IS NOT NULL OR park_id IS NOT NULL),
    CONSTRAINT chk_projects_published CHECK (NOT published OR (published_at IS NOT NULL AND status NOT IN ('planning', 'terminated')))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE projects;
DROP TABLE industrial_chains;
