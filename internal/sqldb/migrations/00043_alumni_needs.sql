-- 校友需求与资源清单 (issue 14 section 3, the alumni plan's "利用AI提升供需匹配效率"): staff post an
-- enterprise's need — technology 技术, capital 资金, channel 渠道 or talent 人才 — and the matching
-- engine (internal/match) ranks the approved alumni by what they offer (alumni_offers), their
-- industry, organisation, title and expertise, with the reasons in words.
--
-- status open → closed (a closed need is not matched); version is the optimistic lock.

-- +goose Up
CREATE TABLE alumni_needs (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    enterprise    VARCHAR(100) NOT NULL,
    kind          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    title         VARCHAR(100) NOT NULL,
    industry      VARCHAR(64) NOT NULL DEFAULT '',
    description   VARCHAR(2000) NOT NULL DEFAULT '',
    township_code VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NULL,
    status        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'open',
    version       INT UNSIGNED NOT NULL DEFAULT 1,
    created_by    BIGINT UNSIGNED NOT NULL,
    created_at    DATETIME(3) NOT NULL,
    updated_at    DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_alumni_needs_status (status, updated_at),
    CONSTRAINT chk_alumni_needs_kind CHECK (kind IN ('technology', 'capital', 'channel', 'talent')),
    CONSTRAINT chk_alumni_needs_status CHECK (status IN ('open', 'closed')),
    CONSTRAINT chk_alumni_needs_version CHECK (version >= 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE alumni_needs;
