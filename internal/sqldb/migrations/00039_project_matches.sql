-- Explainable matching of merchants and investment projects (issue 14 section 3).
--
-- The engine (internal/match) ranks merchants for a project and projects for a merchant on the
-- fly; what is stored is what people do with a match:
--
-- project_matches: staff move a merchant–project pair along recommended 推荐 → contacted 已联系 →
-- interested 有意向 → visiting 考察 → signed 签约, or closed 关闭 from any status but signed, with a
-- note (match.Transitions, under the row lock; version is the optimistic lock). One row a pair.
-- project_match_history: every move and note, who made it and when.
-- project_interests: a merchant said 感兴趣 in the mini program; one row a pair (a repeated tap
-- changes nothing). merchant_id is the merchant's person id, as everywhere.
-- Matches and interests name their project and merchant by FOREIGN KEY: a project that has them
-- cannot be deleted (project.Service.Delete answers PROJECT_IN_USE; terminate it instead).
-- match_embeddings: vectors of the optional embeddings endpoint, one per (kind, ref_id, model);
-- content_hash is the SHA-256 of the text embedded, so a changed text is embedded again.

-- +goose Up
CREATE TABLE project_matches (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    project_id  BIGINT UNSIGNED NOT NULL,
    merchant_id BIGINT UNSIGNED NOT NULL,
    status      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'recommended',
    note        VARCHAR(500) NOT NULL DEFAULT '',
    version     INT UNSIGNED NOT NULL DEFAULT 1,
    updated_by  BIGINT UNSIGNED NULL,
    created_at  DATETIME(3) NOT NULL,
    updated_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_project_matches_pair (project_id, merchant_id),
    KEY idx_project_matches_merchant (merchant_id, project_id),
    KEY idx_project_matches_status (status, updated_at),
    CONSTRAINT chk_project_matches_status CHECK (status IN ('recommended', 'contacted', 'interested', 'visiting', 'signed', 'closed')),
    CONSTRAINT chk_project_matches_version CHECK (version >= 1),
    CONSTRAINT fk_project_matches_project FOREIGN KEY (project_id) REFERENCES projects (id),
    CONSTRAINT fk_project_matches_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (person_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE project_match_history (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    match_id    BIGINT UNSIGNED NOT NULL,
    from_status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    to_status   VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    note        VARCHAR(500) NOT NULL DEFAULT '',
    staff_id    BIGINT UNSIGNED NOT NULL,
    created_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_project_match_history_match (match_id, id),
    CONSTRAINT fk_project_match_history_match FOREIGN KEY (match_id) REFERENCES project_matches (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE project_interests (
    project_id  BIGINT UNSIGNED NOT NULL,
    merchant_id BIGINT UNSIGNED NOT NULL,
    user_id     BIGINT UNSIGNED NOT NULL,
    created_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (project_id, merchant_id),
    KEY idx_project_interests_merchant (merchant_id, project_id),
    KEY idx_project_interests_created (created_at),
    CONSTRAINT fk_project_interests_project FOREIGN KEY (project_id) REFERENCES projects (id),
    CONSTRAINT fk_project_interests_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (person_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE match_embeddings (
    kind         VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    ref_id       BIGINT UNSIGNED NOT NULL,
    model        VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    content_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- little-endian float32s
    vector       MEDIUMBLOB NOT NULL,
    created_at   DATETIME(3) NOT NULL,
    PRIMARY KEY (kind, ref_id, model),
    CONSTRAINT chk_match_embeddings_kind CHECK (kind IN ('merchant', 'project'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE match_embeddings;
DROP TABLE project_interests;
DROP TABLE project_match_history;
DROP TABLE project_matches;
