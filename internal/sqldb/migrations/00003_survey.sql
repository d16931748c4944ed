-- The intention survey (返乡创业意愿调查): versioned questionnaires defined as data, and the
-- answers, one row per chosen option, so that counting per option (per township) is an indexed
-- GROUP BY rather than a scan of JSON documents.

-- +goose Up
-- One row per version of a questionnaire. A version's questions never change once created: a
-- change is a new version, so stored answers always refer to the questions they answered.
CREATE TABLE surveys (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    code         VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    version      INT NOT NULL,
    title        VARCHAR(100) NOT NULL,
    description  VARCHAR(1000) NOT NULL DEFAULT '',
    -- [{code, title, type: single|multi|text, required, options: [{code, label}], max_choices, max_length}]
    questions    JSON NOT NULL,
    status       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- The staff member who created the version; NULL for the one shipped in this migration.
    created_by   BIGINT UNSIGNED NULL,
    created_at   DATETIME(3) NOT NULL,
    published_at DATETIME(3) NULL,
    closed_at    DATETIME(3) NULL,
    -- The code while the version is active, NULL otherwise: its UNIQUE key makes a second active
    -- version of one code impossible, whatever the application does.
    active_code  VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin
                 GENERATED ALWAYS AS (CASE WHEN status = 'active' THEN code END) STORED,
    PRIMARY KEY (id),
    UNIQUE KEY uk_surveys_code_version (code, version),
    UNIQUE KEY uk_surveys_active_code (active_code),
    CONSTRAINT chk_surveys_status CHECK (status IN ('draft', 'active', 'closed')),
    CONSTRAINT chk_surveys_version CHECK (version >= 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One row per user and survey version; answering again replaces the items. township_code and
-- person_id are a snapshot of the respondent's returnee record when they last answered.
CREATE TABLE survey_responses (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    survey_id     BIGINT UNSIGNED NOT NULL,
    user_id       BIGINT UNSIGNED NOT NULL,
    person_id     BIGINT UNSIGNED NULL,
    township_code VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NULL,
    submitted_at  DATETIME(3) NOT NULL,
    updated_at    DATETIME(3) NOT NULL,
    -- How many times the user has answered this version; always changes on an answer, so the
    -- upsert's affected-row count tells an insert (1) from a replacement (2).
    revision      INT NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    UNIQUE KEY uk_survey_responses_user (survey_id, user_id),
    KEY idx_survey_responses_township (survey_id, township_code),
    KEY idx_survey_responses_user (user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One row per chosen option (option_code) or text answer (option_code ''). survey_id and
-- township_code repeat the response's so that the statistics read one covering index.
CREATE TABLE survey_response_items (
    response_id   BIGINT UNSIGNED NOT NULL,
    survey_id     BIGINT UNSIGNED NOT NULL,
    township_code VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NULL,
    question_code VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    option_code   VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    text_value    VARCHAR(1000) NULL,
    PRIMARY KEY (response_id, question_code, option_code),
    KEY idx_survey_items_counts (survey_id, question_code, option_code),
    KEY idx_survey_items_township (survey_id, township_code, question_code, option_code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The first version of the return-intention survey. Field option codes match option_items'
-- intended_field codes.
INSERT INTO surveys (code, version, title, description, questions, status, created_by, created_at, published_at)
VALUES ('return_intention', 1, '返乡创业意愿调查',
'为更好地服务返乡人员创业，区人社局开展本次调查。问卷约需 3 分钟，所填信息仅用于制定扶持政策，不会对外公开。暂无创业打算的，也请按您的设想作答。',
'[
  {"code": "q1", "title": "您是否有返乡创业的打算？", "type": "single", "required": true, "options": [
    {"code": "started", "label": "已经在创业"},
    {"code": "planned", "label": "有明确打算"},
    {"code": "considering", "label": "正在考虑"},
    {"code": "none", "label": "暂无打算"}]},
  {"code": "q2", "title": "您计划什么时候开始创业？", "type": "single", "required": true, "options": [
    {"code": "already", "label": "已经开始"},
    {"code": "within_6m", "label": "半年内"},
    {"code": "within_1y", "label": "一年内"},
    {"code": "within_3y", "label": "一到三年内"},
    {"code": "undecided", "label": "尚未确定"}]},
  {"code": "q3", "title": "您打算（或正在）从事哪个领域？（最多选 3 项）", "type": "multi", "required": true, "max_choices": 3, "options": [
    {"code": "agri_processing", "label": "农产品加工"},
    {"code": "rural_tourism", "label": "乡村旅游"},
    {"code": "ecommerce", "label": "农村电商"},
    {"code": "health", "label": "大健康"},
    {"code": "bamboo", "label": "竹艺"},
    {"code": "ramie", "label": "苎麻"},
    {"code": "tea", "label": "茶叶"},
    {"code": "osmanthus", "label": "桂花"},
    {"code": "other", "label": "其他"}]},
  {"code": "q4", "title": "创业启动资金大约需要多少？", "type": "single", "required": true, "options": [
    {"code": "under_50k", "label": "5 万元以下"},
    {"code": "50k_100k", "label": "5 万至 10 万元"},
    {"code": "100k_300k", "label": "10 万至 30 万元"},
    {"code": "300k_500k", "label": "30 万至 50 万元"},
    {"code": "over_500k", "label": "50 万元以上"},
    {"code": "unsure", "label": "还不清楚"}]},
  {"code": "q5", "title": "您认为创业最大的困难是什么？（最多选 3 项）", "type": "multi", "required": true, "max_choices": 3, "options": [
    {"code": "funds", "label": "缺少资金"},
    {"code": "site", "label": "缺少场地"},
    {"code": "skills", "label": "缺少技术"},
    {"code": "market", "label": "产品销路难"},
    {"code": "policy", "label": "不了解扶持政策"},
    {"code": "workers", "label": "招工难"},
    {"code": "risk", "label": "担心经营风险"},
    {"code": "other", "label": "其他"}]},
  {"code": "q6", "title": "您最希望得到哪些支持？（可多选）", "type": "multi", "required": true, "options": [
    {"code": "subsidy", "label": "一次性创业补贴"},
    {"code": "loan", "label": "创业担保贷款"},
    {"code": "training", "label": "创业培训"},
    {"code": "mentor", "label": "创业导师指导"},
    {"code": "incubator", "label": "孵化基地场地"},
    {"code": "marketing", "label": "产品推介和销售渠道"},
    {"code": "policy", "label": "政策咨询"},
    {"code": "licensing", "label": "办证办照帮办"}]},
  {"code": "q7", "title": "您更愿意以哪种形式参加创业培训？", "type": "single", "required": true, "options": [
    {"code": "classroom", "label": "线下集中授课"},
    {"code": "online", "label": "线上课程"},
    {"code": "field_trip", "label": "实地考察观摩"},
    {"code": "mentoring", "label": "一对一导师辅导"},
    {"code": "none", "label": "暂不需要培训"}]},
  {"code": "q8", "title": "您对返乡创业还有哪些想法或建议？（选填）", "type": "text", "required": false, "max_length": 500}
]',
'active', NULL, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3));

-- +goose Down
DROP TABLE survey_response_items;
DROP TABLE survey_responses;
DROP TABLE surveys;
