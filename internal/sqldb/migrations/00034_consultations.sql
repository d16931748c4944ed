-- Online consultations with mentors (导师线上问诊). A returnee asks a chosen mentor, or any mentor
-- of an intended field (then a district dispatcher assigns one); the consultation is a thread of
-- messages between the asker and the assigned mentor.
--
-- Statuses: waiting (a field question, no mentor yet) → assigned → answered (the mentor's first
-- message, which sets first_reply_at) → closed; assigned → assigned when a dispatcher reassigns
-- an overdue one. A first reply is due by due_at (assignment + 48 h unless the service says
-- otherwise); overdue = assigned, no first reply, due_at past. Every change is a conditional
-- UPDATE on the status (see internal/consultation). Times are UTC.

-- +goose Up
CREATE TABLE consultations (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    -- the asker (a mini-program user)
    user_id        BIGINT UNSIGNED NOT NULL,
    mentor_id      BIGINT UNSIGNED NULL,
    -- the intended_field code asked about ("any mentor in field X"); NULL when a mentor was chosen
    field_code     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    question       VARCHAR(1000) NOT NULL,
    -- upload ids of the question's pictures (JSON array)
    images         JSON NOT NULL,
    status         VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    assigned_at    DATETIME(3) NULL,
    due_at         DATETIME(3) NULL,
    first_reply_at DATETIME(3) NULL,
    closed_at      DATETIME(3) NULL,
    closed_by      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    -- the mentor's short summary, written on close
    summary        VARCHAR(500) NOT NULL DEFAULT '',
    stars          TINYINT NULL,
    comment        VARCHAR(500) NOT NULL DEFAULT '',
    rated_at       DATETIME(3) NULL,
    created_at     DATETIME(3) NOT NULL,
    updated_at     DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_consultations_user (user_id, created_at),
    KEY idx_consultations_mentor (mentor_id, status),
    KEY idx_consultations_status (status, due_at),
    CONSTRAINT chk_consultations_status CHECK (status IN ('waiting', 'assigned', 'answered', 'closed')),
    CONSTRAINT chk_consultations_target CHECK (mentor_id IS NOT NULL OR field_code IS NOT NULL),
    CONSTRAINT chk_consultations_assigned CHECK (status = 'waiting' OR status = 'closed' OR (mentor_id IS NOT NULL AND due_at IS NOT NULL)),
    CONSTRAINT chk_consultations_closed_by CHECK (closed_by IS NULL OR closed_by IN ('asker', 'mentor')),
    CONSTRAINT chk_consultations_stars CHECK (stars IS NULL OR stars BETWEEN 1 AND 5)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE consultation_messages (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    consultation_id BIGINT UNSIGNED NOT NULL,
    -- asker or mentor, and the user who wrote it
    author          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    author_user_id  BIGINT UNSIGNED NOT NULL,
    text            VARCHAR(1000) NOT NULL,
    images          JSON NOT NULL,
    created_at      DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_consultation_messages (consultation_id, id),
    CONSTRAINT chk_consultation_messages_author CHECK (author IN ('asker', 'mentor'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE consultation_messages;
DROP TABLE consultations;
