-- 政策找人 for changed records: when a returnee's or an alumnus's record changes so that they meet
-- a published policy they have not used, they get one inbox message. policy_matches holds one
-- row per person and policy ever told (the primary key makes it once); policy_match_cursors is
-- where the matcher stopped in each table's (updated_at, person_id) order. The cursors start at
-- this migration: records older than it are not swept (a new policy reaches them through the
-- notice its publication proposes).

-- +goose Up
CREATE TABLE policy_matches (
    person_id  BIGINT UNSIGNED NOT NULL,
    policy_id  BIGINT UNSIGNED NOT NULL,
    user_id    BIGINT UNSIGNED NULL,
    matched_at DATETIME(3) NOT NULL,
    PRIMARY KEY (person_id, policy_id),
    KEY idx_policy_matches_policy (policy_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE policy_match_cursors (
    source        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    updated_after DATETIME(3) NOT NULL,
    person_after  BIGINT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (source)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

INSERT INTO policy_match_cursors (source, updated_after) VALUES ('returnees', UTC_TIMESTAMP(3)), ('alumni', UTC_TIMESTAMP(3));

-- +goose Down
DROP TABLE policy_match_cursors;
DROP TABLE policy_matches;
