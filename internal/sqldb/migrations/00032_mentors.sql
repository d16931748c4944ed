-- The mentor team (创业导师团) and appointments with mentors (导师服务预约).
--
-- A mentor is a person (persons) with a profile; the mentor's mini-program user is the person's
-- user_id. Weekly availability is in Beijing local time (minutes of the day, weekday 1 = Monday),
-- exceptions are date ranges off. Appointment times are UTC.
--
-- No slot is ever booked twice: appointment_slots holds one claim row per live appointment, keyed
-- by (mentor_id, start_at); declining or cancelling deletes the claim in the same transaction,
-- which frees the slot. A claim table rather than a generated column over (mentor_id, start_at,
-- live): a plain primary key behaves the same on MariaDB, MySQL and TiDB, where generated columns
-- differ in syntax (PERSISTENT/STORED), NULL rules and what ALTER may do with them.

-- +goose Up
CREATE TABLE mentors (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    person_id        BIGINT UNSIGNED NOT NULL,
    organisation     VARCHAR(100) NOT NULL DEFAULT '',
    title            VARCHAR(100) NOT NULL DEFAULT '',
    bio              VARCHAR(1000) NOT NULL DEFAULT '',
    photo_upload_id  CHAR(22) CHARACTER SET ascii COLLATE ascii_bin NULL,
    mode_online      BOOLEAN NOT NULL DEFAULT FALSE,
    mode_phone       BOOLEAN NOT NULL DEFAULT FALSE,
    mode_in_person   BOOLEAN NOT NULL DEFAULT FALSE,
    service_point_id BIGINT UNSIGNED NULL,
    status           VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'active',
    weekly_cap       INT NOT NULL DEFAULT 5,
    slot_minutes     INT NOT NULL DEFAULT 60,
    version          INT NOT NULL DEFAULT 1,
    created_at       DATETIME(3) NOT NULL,
    updated_at       DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_mentors_person (person_id),
    KEY idx_mentors_status (status),
    CONSTRAINT chk_mentors_status CHECK (status IN ('active', 'paused', 'retired')),
    CONSTRAINT chk_mentors_cap CHECK (weekly_cap BETWEEN 1 AND 100),
    CONSTRAINT chk_mentors_slot CHECK (slot_minutes BETWEEN 15 AND 240),
    CONSTRAINT chk_mentors_in_person CHECK (NOT mode_in_person OR service_point_id IS NOT NULL)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Fields of expertise: codes of the intended_field option list.
CREATE TABLE mentor_fields (
    mentor_id  BIGINT UNSIGNED NOT NULL,
    field_code VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (mentor_id, field_code),
    KEY idx_mentor_fields_code (field_code, mentor_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE mentor_weekly (
    mentor_id BIGINT UNSIGNED NOT NULL,
    weekday   TINYINT NOT NULL,
    start_min SMALLINT NOT NULL,
    end_min   SMALLINT NOT NULL,
    PRIMARY KEY (mentor_id, weekday, start_min),
    CONSTRAINT chk_mentor_weekly CHECK (weekday BETWEEN 1 AND 7 AND start_min >= 0 AND end_min <= 1440 AND start_min < end_min)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE mentor_exceptions (
    mentor_id BIGINT UNSIGNED NOT NULL,
    from_date DATE NOT NULL,
    to_date   DATE NOT NULL,
    note      VARCHAR(100) NOT NULL DEFAULT '',
    PRIMARY KEY (mentor_id, from_date),
    CONSTRAINT chk_mentor_exceptions CHECK (from_date <= to_date)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE appointments (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    mentor_id      BIGINT UNSIGNED NOT NULL,
    user_id        BIGINT UNSIGNED NOT NULL,
    start_at       DATETIME(3) NOT NULL,
    end_at         DATETIME(3) NOT NULL,
    mode           VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    topic          VARCHAR(200) NOT NULL,
    status         VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    note           VARCHAR(1000) NOT NULL DEFAULT '',
    cancelled_by   VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    cancel_message VARCHAR(200) NOT NULL DEFAULT '',
    stars          TINYINT NULL,
    comment        VARCHAR(500) NOT NULL DEFAULT '',
    rated_at       DATETIME(3) NULL,
    created_at     DATETIME(3) NOT NULL,
    updated_at     DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_appointments_user (user_id, status, start_at),
    KEY idx_appointments_mentor (mentor_id, start_at),
    KEY idx_appointments_status (status, start_at),
    CONSTRAINT chk_appointments_mode CHECK (mode IN ('online', 'phone', 'in_person')),
    CONSTRAINT chk_appointments_status CHECK (status IN ('requested', 'confirmed', 'declined', 'cancelled', 'attended', 'no_show')),
    CONSTRAINT chk_appointments_stars CHECK (stars IS NULL OR stars BETWEEN 1 AND 5)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One claim per booked slot of a live appointment (requested, confirmed, attended, no_show).
CREATE TABLE appointment_slots (
    mentor_id      BIGINT UNSIGNED NOT NULL,
    start_at       DATETIME(3) NOT NULL,
    appointment_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (mentor_id, start_at),
    UNIQUE KEY uk_appointment_slots_appointment (appointment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE appointment_slots;
DROP TABLE appointments;
DROP TABLE mentor_exceptions;
DROP TABLE mentor_weekly;
DROP TABLE mentor_fields;
DROP TABLE mentors;
