-- Requests (诉求清单化办理): a signed-in mini-program user (merchant, alumnus, returnee) submits a
-- request; a district dispatcher assigns it to a department with a due date; that department's
-- staff reply and close it; the requester rates the close and may reopen it once.
--
-- Statuses: submitted → assigned → replied → closed; closed → assigned (reopen, once: the same
-- department, a new due date, the rating cleared; submitted again when it was closed before
-- being assigned). Overdue = assigned and due_at past (not replied, not closed). Every change is
-- a conditional UPDATE under the row lock (see internal/appeal); every step is a row of
-- appeal_events. Times are UTC. The API calls these "requests"; the package and tables
-- "appeals", so as not to be confused with HTTP requests.

-- +goose Up
CREATE TABLE appeals (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    -- the requester (a mini-program user)
    user_id       BIGINT UNSIGNED NOT NULL,
    category      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    text          VARCHAR(1000) NOT NULL,
    -- upload ids of the photos (JSON array, at most 6)
    images        JSON NOT NULL,
    -- the township (regions level 2) the request is about; township staff see their own
    township_code VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- the department it is assigned to (staff.department), and when it is due
    department    VARCHAR(64) NULL,
    assigned_at   DATETIME(3) NULL,
    due_at        DATETIME(3) NULL,
    -- the department's latest reply
    reply         VARCHAR(2000) NOT NULL DEFAULT '',
    replied_at    DATETIME(3) NULL,
    closed_at     DATETIME(3) NULL,
    -- the requester's rating of the latest close: satisfied, basic, unsatisfied
    rating        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    rated_at      DATETIME(3) NULL,
    -- how many times the requester reopened it: at most once, ever
    reopens       TINYINT NOT NULL DEFAULT 0,
    reopened_at   DATETIME(3) NULL,
    created_at    DATETIME(3) NOT NULL,
    updated_at    DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_appeals_user (user_id, id),
    KEY idx_appeals_status (status, due_at),
    KEY idx_appeals_department (department, status),
    KEY idx_appeals_township (township_code, status),
    CONSTRAINT chk_appeals_status CHECK (status IN ('submitted', 'assigned', 'replied', 'closed')),
    CONSTRAINT chk_appeals_category CHECK (category IN ('policy', 'permit', 'land_labor', 'finance', 'infrastructure', 'other')),
    CONSTRAINT chk_appeals_assigned CHECK (status IN ('submitted', 'closed') OR (department IS NOT NULL AND due_at IS NOT NULL)),
    CONSTRAINT chk_appeals_replied CHECK (status <> 'replied' OR replied_at IS NOT NULL),
    CONSTRAINT chk_appeals_rating CHECK (rating IS NULL OR (status = 'closed' AND rating IN ('satisfied', 'basic', 'unsatisfied'))),
    CONSTRAINT chk_appeals_reopens CHECK (reopens IN (0, 1))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Every step of a request: who did what, when, with what note. Append-only.
CREATE TABLE appeal_events (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    appeal_id   BIGINT UNSIGNED NOT NULL,
    action      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- user (the requester) or staff; actor_name is the staff username or '' for the requester
    actor_type  VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    actor_id    BIGINT UNSIGNED NOT NULL,
    actor_name  VARCHAR(64) NOT NULL DEFAULT '',
    -- the department acting or assigned, and the due date set (assign, reopen)
    department  VARCHAR(64) NOT NULL DEFAULT '',
    due_at      DATETIME(3) NULL,
    note        VARCHAR(2000) NOT NULL DEFAULT '',
    created_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_appeal_events (appeal_id, id),
    CONSTRAINT chk_appeal_events_action CHECK (action IN ('submit', 'assign', 'reply', 'close', 'rate', 'reopen'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE appeal_events;
DROP TABLE appeals;
