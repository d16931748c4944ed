-- The merchant and talent database (楚商人才信息库, issue 14 section 1).
--
-- industries is GB/T 4754-2017 as data: level 1 the 20 sections (门类, A–T), level 2 the
-- divisions (大类, two digits) under their section. Staff may add rows later (groups, classes).
--
-- A merchant is one per person (person_id is the key): where they come from (hometown township),
-- where they do business, their industry, size, revenue, status, 商会 roles and investment
-- intention (fields in merchant_fields, amount band, timing, preferred township). confirmed_at is
-- when the record was last confirmed (or changed): the update rate counts records confirmed in
-- the window. version is the optimistic lock of staff edits. Bands and statuses are codes the
-- merchant package names (merchant.Bands).
--
-- merchant_enterprises are the enterprises a merchant owns; the 统一社会信用代码 (checked with its
-- check character before it gets here) is UNIQUE when present.

-- +goose Up
CREATE TABLE industries (
    code        VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    parent_code VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NULL,
    level       TINYINT NOT NULL,
    name        VARCHAR(64) NOT NULL,
    PRIMARY KEY (code),
    KEY idx_industries_parent (parent_code, code),
    CONSTRAINT chk_industries_level CHECK (level IN (1, 2, 3, 4)),
    CONSTRAINT chk_industries_parent CHECK ((level = 1 AND parent_code IS NULL) OR (level > 1 AND parent_code IS NOT NULL))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

INSERT INTO industries (code, parent_code, level, name) VALUES
    ('A', NULL, 1, '农、林、牧、渔业'),
    ('B', NULL, 1, '采矿业'),
    ('C', NULL, 1, '制造业'),
    ('D', NULL, 1, '电力、热力、燃气及水生产和供应业'),
    ('E', NULL, 1, '建筑业'),
    ('F', NULL, 1, '批发和零售业'),
    ('G', NULL, 1, '交通运输、仓储和邮政业'),
    ('H', NULL, 1, '住宿和餐饮业'),
    ('I', NULL, 1, '信息传输、软件和信息技术服务业'),
    ('J', NULL, 1, '金融业'),
    ('K', NULL, 1, '房地产业'),
    ('L', NULL, 1, '租赁和商务服务业'),
    ('M', NULL, 1, '科学研究和技术服务业'),
    ('N', NULL, 1, '水利、环境和公共设施管理业'),
    ('O', NULL, 1, '居民服务、修理和其他服务业'),
    ('P', NULL, 1, '教育'),
    ('Q', NULL, 1, '卫生和社会工作'),
    ('R', NULL, 1, '文化、体育和娱乐业'),
    ('S', NULL, 1, '公共管理、社会保障和社会组织'),
    ('T', NULL, 1, '国际组织');

INSERT INTO industries (code, parent_code, level, name) VALUES
    ('01', 'A', 2, '农业'),
    ('02', 'A', 2, '林业'),
    ('03', 'A', 2, '畜牧业'),
    ('04', 'A', 2, '渔业'),
    ('05', 'A', 2, '农、林、牧、渔专业及辅助性活动'),
    ('06', 'B', 2, '煤炭开采和洗选业'),
    ('07', 'B', 2, '石油和天然气开采业'),
    ('08', 'B', 2, '黑色金属矿采选业'),
    ('09', 'B', 2, '有色金属矿采选业'),
    ('10', 'B', 2, '非金属矿采选业'),
    ('11', 'B', 2, '开采专业及辅助性活动'),
    ('12', 'B', 2, '其他采矿业'),
    ('13', 'C', 2, '农副食品加工业'),
    ('14', 'C', 2, '食品制造业'),
    ('15', 'C', 2, '酒、饮料和精制茶制造业'),
    ('16', 'C', 2, '烟草制品业'),
    ('17', 'C', 2, '纺织业'),
    ('18', 'C', 2, '纺织服装、服饰业'),
    ('19', 'C', 2, '皮革、毛皮、羽毛及其制品和制鞋业'),
    ('20', 'C', 2, '木材加工和木、竹、藤、棕、草制品业'),
    ('21', 'C', 2, '家具制造业'),
    ('22', 'C', 2, '造纸和纸制品业'),
    ('23', 'C', 2, '印刷和记录媒介复制业'),
    ('24', 'C', 2, '文教、工美、体育和娱乐用品制造业'),
    ('25', 'C', 2, '石油、煤炭及其他燃料加工业'),
    ('26', 'C', 2, '化学原料和化学制品制造业'),
    ('27', 'C', 2, '医药制造业'),
    ('28', 'C', 2, '化学纤维制造业'),
    ('29', 'C', 2, '橡胶和塑料制品业'),
    ('30', 'C', 2, '非金属矿物制品业'),
    ('31', 'C', 2, '黑色金属冶炼和压延加工业'),
    ('32', 'C', 2, '有色金属冶炼和压延加工业'),
    ('33', 'C', 2, '金属制品业'),
    ('34', 'C', 2, '通用设备制造业'),
    ('35', 'C', 2, '专用设备制造业'),
    ('36', 'C', 2, '汽车制造业'),
    ('37', 'C', 2, '铁路、船舶、航空航天和其他运输设备制造业'),
    ('38', 'C', 2, '电气机械和器材制造业'),
    ('39', 'C', 2, '计算机、通信和其他电子设备制造业'),
    ('40', 'C', 2, '仪器仪表制造业'),
    ('41', 'C', 2, '其他制造业'),
    ('42', 'C', 2, '废弃资源综合利用业'),
    ('43', 'C', 2, '金属制品、机械和设备修理业'),
    ('44', 'D', 2, '电力、热力生产和供应业'),
    ('45', 'D', 2, '燃气生产和供应业'),
    ('46', 'D', 2, '水的生产和供应业'),
    ('47', 'E', 2, '房屋建筑业'),
    ('48', 'E', 2, '土木工程建筑业'),
    ('49', 'E', 2, '建筑安装业'),
    ('50', 'E', 2, '建筑装饰、装修和其他建筑业'),
    ('51', 'F', 2, '批发业'),
    ('52', 'F', 2, '零售业'),
    ('53', 'G', 2, '铁路运输业'),
    ('54', 'G', 2, '道路运输业'),
    ('55', 'G', 2, '水上运输业'),
    ('56', 'G', 2, '航空运输业'),
    ('57', 'G', 2, '管道运输业'),
    ('58', 'G', 2, '多式联运和运输代理业'),
    ('59', 'G', 2, '装卸搬运和仓储业'),
    ('60', 'G', 2, '邮政业'),
    ('61', 'H', 2, '住宿业'),
    ('62', 'H', 2, '餐饮业'),
    ('63', 'I', 2, '电信、广播电视和卫星传输服务'),
    ('64', 'I', 2, '互联网和相关服务'),
    ('65', 'I', 2, '软件和信息技术服务业'),
    ('66', 'J', 2, '货币金融服务'),
    ('67', 'J', 2, '资本市场服务'),
    ('68', 'J', 2, '保险业'),
    ('69', 'J', 2, '其他金融业'),
    ('70', 'K', 2, '房地产业'),
    ('71', 'L', 2, '租赁业'),
    ('72', 'L', 2, '商务服务业'),
    ('73', 'M', 2, '研究和试验发展'),
    ('74', 'M', 2, '专业技术服务业'),
    ('75', 'M', 2, '科技推广和应用服务业'),
    ('76', 'N', 2, '水利管理业'),
    ('77', 'N', 2, '生态保护和环境治理业'),
    ('78', 'N', 2, '公共设施管理业'),
    ('79', 'N', 2, '土地管理业'),
    ('80', 'O', 2, '居民服务业'),
    ('81', 'O', 2, '机动车、电子产品和日用产品修理业'),
    ('82', 'O', 2, '其他服务业'),
    ('83', 'P', 2, '教育'),
    ('84', 'Q', 2, '卫生'),
    ('85', 'Q', 2, '社会工作'),
    ('86', 'R', 2, '新闻和出版业'),
    ('87', 'R', 2, '广播、电视、电影和录音制作业'),
    ('88', 'R', 2, '文化艺术业'),
    ('89', 'R', 2, '体育'),
    ('90', 'R', 2, '娱乐业'),
    ('91', 'S', 2, '中国共产党机关'),
    ('92', 'S', 2, '国家机构'),
    ('93', 'S', 2, '人民政协、民主党派'),
    ('94', 'S', 2, '社会保障'),
    ('95', 'S', 2, '群众团体、社会团体和其他成员组织'),
    ('96', 'S', 2, '基层群众自治组织及其他组织'),
    ('97', 'T', 2, '国际组织');

CREATE TABLE merchants (
    person_id          BIGINT UNSIGNED NOT NULL,
    -- 籍贯: the hometown township (regions level 2); township staff see their township's merchants
    township_code      VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    biz_province       VARCHAR(32) NOT NULL DEFAULT '',
    biz_city           VARCHAR(32) NOT NULL DEFAULT '',
    -- an industries code (section letter or division)
    industry_code      VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- the section of industry_code, kept for the filters and counts by section
    industry_section   CHAR(1) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    size_band          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    revenue_band       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    operating_status   VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'operating',
    chamber_roles      VARCHAR(200) NOT NULL DEFAULT '',
    amount_band        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    timing             VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    preferred_township VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    source             VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    confirmed_at       DATETIME(3) NOT NULL,
    version            INT UNSIGNED NOT NULL DEFAULT 1,
    created_at         DATETIME(3) NOT NULL,
    updated_at         DATETIME(3) NOT NULL,
    PRIMARY KEY (person_id),
    KEY idx_merchants_township (township_code, person_id),
    KEY idx_merchants_industry (industry_section, industry_code),
    KEY idx_merchants_place (biz_province, biz_city),
    KEY idx_merchants_confirmed (confirmed_at),
    CONSTRAINT chk_merchants_size CHECK (size_band IN ('', 'micro', 'small', 'medium', 'large')),
    CONSTRAINT chk_merchants_revenue CHECK (revenue_band IN ('', 'lt_500', '500_2000', '2000_10000', '10000_40000', 'ge_40000')),
    CONSTRAINT chk_merchants_status CHECK (operating_status IN ('operating', 'suspended', 'closed')),
    CONSTRAINT chk_merchants_amount CHECK (amount_band IN ('', 'lt_100', '100_1000', '1000_5000', '5000_10000', 'ge_10000')),
    CONSTRAINT chk_merchants_timing CHECK (timing IN ('', 'within_6m', 'within_1y', 'within_3y', 'undecided')),
    CONSTRAINT chk_merchants_source CHECK (source IN ('self', 'staff', 'import', 'chamber')),
    CONSTRAINT chk_merchants_version CHECK (version >= 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The fields a merchant intends to invest in (option list intended_field).
CREATE TABLE merchant_fields (
    person_id BIGINT UNSIGNED NOT NULL,
    code      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (person_id, code),
    KEY idx_merchant_fields_code (code, person_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE merchant_enterprises (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    person_id     BIGINT UNSIGNED NOT NULL,
    name          VARCHAR(100) NOT NULL,
    -- 统一社会信用代码, upper case, check character verified (cnid.NormalizeUSCC); NULL when unknown
    uscc          CHAR(18) CHARACTER SET ascii COLLATE ascii_bin NULL,
    industry_code VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    province      VARCHAR(32) NOT NULL DEFAULT '',
    city          VARCHAR(32) NOT NULL DEFAULT '',
    size_band     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    revenue_band  VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    status        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'operating',
    created_at    DATETIME(3) NOT NULL,
    updated_at    DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_merchant_enterprises_uscc (uscc),
    KEY idx_merchant_enterprises_person (person_id, id),
    CONSTRAINT chk_merchant_enterprises_size CHECK (size_band IN ('', 'micro', 'small', 'medium', 'large')),
    CONSTRAINT chk_merchant_enterprises_revenue CHECK (revenue_band IN ('', 'lt_500', '500_2000', '2000_10000', '10000_40000', 'ge_40000')),
    CONSTRAINT chk_merchant_enterprises_status CHECK (status IN ('operating', 'suspended', 'closed'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE merchant_enterprises;
DROP TABLE merchant_fields;
DROP TABLE merchants;
DROP TABLE industries;
