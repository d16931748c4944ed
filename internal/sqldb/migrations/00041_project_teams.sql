-- Service teams and approval milestones of signed projects (一对一帮办): every new project gets a
-- district leader, a department and a cadre, and its approval milestones are timed so that the
-- plan's "project approval 20% faster" can be measured against a baseline staff enter.
--
-- project_teams: one team per project (the primary key). The leader and the cadre are staff
-- accounts; the department is a department name of the department staff accounts. The team is
-- set only once the project is signed (projectteam.Service checks the project's status under the
-- project's row lock).
--
-- project_milestones: per project and milestone (approval 立项, land 用地, planning_permit 规划许可,
-- construction_permit 施工许可, start 开工, production 投产) the planned and the actual Beijing
-- dates. The whole list is written at once under the project's row lock; actual dates are never
-- before the signing date and never go backwards in the milestones' order (checked in Go).
--
-- approval_baselines: the baseline days from signing to each milestone, entered by staff; the
-- year's medians are compared with it against the −20% target.

-- +goose Up
CREATE TABLE project_teams (
    project_id BIGINT UNSIGNED NOT NULL,
    leader_id  BIGINT UNSIGNED NOT NULL,
    department VARCHAR(64) NOT NULL,
    cadre_id   BIGINT UNSIGNED NOT NULL,
    version    INT UNSIGNED NOT NULL DEFAULT 1,
    created_by BIGINT UNSIGNED NOT NULL,
    created_at DATETIME(3) NOT NULL,
    updated_by BIGINT UNSIGNED NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    PRIMARY KEY (project_id),
    KEY idx_project_teams_leader (leader_id),
    KEY idx_project_teams_cadre (cadre_id),
    KEY idx_project_teams_department (department),
    CONSTRAINT fk_project_teams_project FOREIGN KEY (project_id) REFERENCES projects (id),
    CONSTRAINT fk_project_teams_leader FOREIGN KEY (leader_id) REFERENCES staff (id),
    CONSTRAINT fk_project_teams_cadre FOREIGN KEY (cadre_id) REFERENCES staff (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE project_milestones (
    project_id BIGINT UNSIGNED NOT NULL,
    milestone  VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    planned_on DATE NULL,
    actual_on  DATE NULL,
    updated_by BIGINT UNSIGNED NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    PRIMARY KEY (project_id, milestone),
    -- the year's medians: actual dates per milestone
    KEY idx_project_milestones_actual (milestone, actual_on),
    CONSTRAINT fk_project_milestones_project FOREIGN KEY (project_id) REFERENCES projects (id),
    CONSTRAINT chk_project_milestones_milestone CHECK (milestone IN ('approval', 'land', 'planning_permit', 'construction_permit',
        'start', 'production')),
    CONSTRAINT chk_project_milestones_dates CHECK (planned_on IS NOT NULL OR actual_on IS NOT NULL)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE approval_baselines (
    milestone VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    days      INT UNSIGNED NOT NULL,
    set_by    BIGINT UNSIGNED NOT NULL,
    set_at    DATETIME(3) NOT NULL,
    PRIMARY KEY (milestone),
    CONSTRAINT chk_approval_baselines_milestone CHECK (milestone IN ('approval', 'land', 'planning_permit', 'construction_permit',
        'start', 'production')),
    CONSTRAINT chk_approval_baselines_days CHECK (days BETWEEN 1 AND 3650)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE approval_baselines;
DROP TABLE project_milestones;
DROP TABLE project_teams;
