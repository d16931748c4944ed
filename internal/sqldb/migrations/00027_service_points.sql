-- The service network (服务网点): parks and incubation bases, 就业服务站, 零工驿站, 返乡创业联络站 and
-- 双招双引工作站, for people to find the nearest one.
--
-- Coordinates are GCJ-02 (what WeChat's map and wx.getLocation({type: 'gcj02'}) use), stored as
-- integer millionths of a degree (about 0.1 m), so they compare exactly on every database.
-- A removed point is kept inactive (its history stays; lists don't show it).

-- +goose Up
CREATE TABLE service_points (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name              VARCHAR(100) NOT NULL,
    kind              VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    level             VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    township_code     VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NULL,
    address           VARCHAR(200) NOT NULL DEFAULT '',
    lat_e6            INT NULL,
    lng_e6            INT NULL,
    opening_hours     VARCHAR(100) NOT NULL DEFAULT '',
    phone             VARCHAR(32) NOT NULL DEFAULT '',
    services          VARCHAR(500) NOT NULL DEFAULT '',
    businesses_hosted INT NULL,
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    version           INT NOT NULL DEFAULT 1,
    created_at        DATETIME(3) NOT NULL,
    updated_at        DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY idx_service_points_township (active, township_code, kind),
    KEY idx_service_points_kind (active, kind),
    CONSTRAINT chk_service_points_kind CHECK (kind IN ('park', 'employment_station', 'gig_station', 'liaison_station', 'investment_station')),
    CONSTRAINT chk_service_points_level CHECK (level IN ('district', 'township', 'village')),
    CONSTRAINT chk_service_points_coords CHECK ((lat_e6 IS NULL) = (lng_e6 IS NULL)),
    CONSTRAINT chk_service_points_hosted CHECK (businesses_hosted IS NULL OR businesses_hosted >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE service_points;
