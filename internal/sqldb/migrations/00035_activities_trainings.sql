-- Activities and the training track (创业培训: 1 month of training + 3 months of incubation + 1 year
-- of follow-up).
--
-- Events become activities of a kind: the alumni events made before this migration keep working
-- as kind 'alumni' (校友活动). training_minutes is what an attendee who checked in is credited
-- (0 for activities that are not training): a person's training hours are the sum over their
-- check-ins.
--
-- A training track is one per person (UNIQUE person_id). Its stage moves by one transition table
-- (training.Transitions) under the track's row lock: enrolled → trained (no earlier than a month
-- after enrolment) → incubating (at a park of the service network) → followed_up (no earlier than
-- 3 months of incubation) → graduated (no earlier than a year of follow-up, with at least one
-- visit logged); any stage but graduated → withdrawn. The stage dates are Beijing calendar dates.

-- +goose Up
ALTER TABLE events ADD COLUMN kind VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'alumni';
ALTER TABLE events ADD COLUMN training_minutes INT UNSIGNED NOT NULL DEFAULT 0;
ALTER TABLE events ADD CONSTRAINT chk_events_kind CHECK (kind IN ('alumni', 'policy_talk', 'training', 'salon', 'roadshow',
    'contest', 'camp', 'homecoming'));
ALTER TABLE events ADD CONSTRAINT chk_events_training_minutes CHECK (training_minutes <= 100000);
-- The dashboard counts a year's activities of a kind.
CREATE INDEX idx_events_kind_starts ON events (kind, starts_at);

CREATE TABLE training_tracks (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    person_id      BIGINT UNSIGNED NOT NULL,
    stage          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    enrolled_on    DATE NOT NULL,
    trained_on     DATE NULL,
    incubating_on  DATE NULL,
    -- the park (service_points.kind = 'park') where the person incubates
    park_id        BIGINT UNSIGNED NULL,
    followed_up_on DATE NULL,
    graduated_on   DATE NULL,
    withdrawn_on   DATE NULL,
    note           VARCHAR(500) NOT NULL DEFAULT '',
    version        INT UNSIGNED NOT NULL DEFAULT 1,
    created_by     BIGINT UNSIGNED NOT NULL,
    created_at     DATETIME(3) NOT NULL,
    updated_at     DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_training_tracks_person (person_id),
    KEY idx_training_tracks_stage (stage, enrolled_on),
    -- people trained in a year: the track's first stage completed
    KEY idx_training_tracks_trained (trained_on),
    CONSTRAINT chk_training_tracks_stage CHECK (stage IN ('enrolled', 'trained', 'incubating', 'followed_up', 'graduated', 'withdrawn'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Visits (and calls) staff log while a person incubates or is followed up.
CREATE TABLE training_visits (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    track_id   BIGINT UNSIGNED NOT NULL,
    visited_on DATE NOT NULL,
    mode       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    note       VARCHAR(1000) NOT NULL,
    staff_id   BIGINT UNSIGNED NOT NULL,
    created_at DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_training_visits_track (track_id, visited_on),
    CONSTRAINT chk_training_visits_mode CHECK (mode IN ('visit', 'phone', 'online'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE training_visits;
DROP TABLE training_tracks;
DROP INDEX idx_events_kind_starts ON events;
ALTER TABLE events DROP CONSTRAINT chk_events_training_minutes;
ALTER TABLE events DROP CONSTRAINT chk_events_kind;
ALTER TABLE events DROP COLUMN training_minutes;
ALTER TABLE events DROP COLUMN kind;
