-- Scheduled jobs that must run once per slot across all replicas (the nightly points expiry and
-- upload sweep, and any later one). A replica claims a slot's run by inserting its row: the
-- primary key (job, slot) lets one INSERT win, and every other replica gets a duplicate key and
-- skips. A run whose replica died (status 'running', lease_until past, because the runner renews
-- the lease while it works) or that failed with attempts left is taken over by a conditional
-- UPDATE that bumps attempt and replaces the token; every later write of a claimer is fenced on
-- its token. The rows are also the history that `server jobs` lists.

-- +goose Up
CREATE TABLE job_runs (
    job         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- The scheduled instant (UTC) the run is for: 00:10 Beijing of a night for nightly runs, the
    -- millisecond it was started for manual ones.
    slot        DATETIME(3) NOT NULL,
    -- nightly (the scheduler in serve or `server jobs run`) or manual (`server points expire`...).
    source      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- The replica holding or last holding the run: host:pid:random.
    replica     VARCHAR(96) NOT NULL,
    -- A token unique to one claim; the lease renewals and the final write are fenced on it.
    token       CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    attempt     INT NOT NULL DEFAULT 1,
    -- running, ok or failed.
    status      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    started_at  DATETIME(3) NOT NULL,
    finished_at DATETIME(3) NULL,
    lease_until DATETIME(3) NOT NULL,
    -- What the run did ("expired 40 points in 3 entries...") or its error.
    detail      VARCHAR(500) NOT NULL DEFAULT '',
    PRIMARY KEY (job, slot),
    KEY idx_job_runs_started (started_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE job_runs;
