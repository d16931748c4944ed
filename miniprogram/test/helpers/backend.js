/**
 * Canned backend answers for the returnee pages and the startup support
 * pages (policies, applications, uploads).
 */
const { envelope } = require('./fake-wx');

const OPTIONS = {
  intended_field: [{ code: 'tea', label: '茶叶' }, { code: 'ecommerce', label: '农村电商' }],
  need: [{ code: 'funds', label: '资金' }, { code: 'training', label: '培训' }],
  skill: [{ code: 'electrician', label: '电工' }, { code: 'welder', label: '焊工' }],
  education: [{ code: 'junior', label: '初中' }, { code: 'senior', label: '高中/中专' }],
  business_type: [{ code: 'individual', label: '个体工商户' }, { code: 'company', label: '企业' }],
};

const TOWNSHIPS = [
  { code: '990101', name: '官埠桥镇', level: 2, is_demo: true },
  { code: '990102', name: '向阳湖镇', level: 2, is_demo: true },
];

const VILLAGES = {
  990101: [
    { code: '990101001', name: '官埠村', level: 3, is_demo: true },
    { code: '990101002', name: '桥头村', level: 3, is_demo: true },
  ],
  990102: [{ code: '990102001', name: '湖滨社区', level: 3, is_demo: true }],
};

// A valid ID number (check character computed with GB 11643).
const ID_CARD = '421202199001011232';
const ID_MASKED = '4212**********1232';

const RECORD = {
  person_id: 1,
  name: '张三',
  id_card: ID_MASKED,
  phone: '138****5678',
  gender: 'M',
  birth_date: '1990-01-01',
  township_code: '990101',
  village_code: '990101002',
  township_name: '官埠桥镇',
  village_name: '桥头村',
  status: 'returned',
  left_on: '2015-03-01',
  returned_on: '2025-02-01',
  plan_return_on: null,
  work_province: '广东省',
  work_city: '东莞市',
  industry: '电子制造',
  years_away: 10,
  skills: ['electrician'],
  skills_text: '会电焊、会开叉车',
  certificates: '电工证',
  education: 'senior',
  intention: 'started',
  intended_fields: ['tea'],
  intention_note: '',
  needs: ['funds', 'training'],
  business: {
    name: '张三茶叶店', type: 'individual', uscc: '91421202MA4A000013', started_on: '2025-06-01', jobs_created: 3,
  },
  content_review: 'ok',
  confirmed_at: '2026-11-28T06:00:00Z',
  updated_at: '2026-11-28T06:00:00Z',
  version: 3,
};

const NOT_REGISTERED = { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记') };

/** Routes options, regions, /me and /me/returnee. */
function serveReturnee(fake, { record = null, phone = '138****5678' } = {}) {
  fake.route('GET', '/api/v1/options', { statusCode: 200, data: OPTIONS });
  fake.route('GET', '/api/v1/regions', (opts) => {
    const parent = opts.data && opts.data.parent;
    return { statusCode: 200, data: { items: parent ? (VILLAGES[parent] || []) : TOWNSHIPS } };
  });
  fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone, roles: [] } });
  fake.route('GET', '/api/v1/me/returnee', record ? { statusCode: 200, data: record } : NOT_REGISTERED);
  return fake;
}

// ---- startup support: policies, applications, uploads, messages -----------

const TEMPLATE_ID = 'TMPL_progress_1';

const MATERIALS = [
  { kind: 'business_licence', label: '营业执照', required: true },
  { kind: 'id_front', label: '身份证人像面', required: true },
  { kind: 'id_back', label: '身份证国徽面', required: true },
  { kind: 'other', label: '其他材料', required: false },
];

const SUBSIDY = {
  code: 'startup_subsidy',
  name: '一次性创业补贴',
  kind: 'subsidy',
  description: '首次创办小微企业或从事个体经营，正常经营6个月以上',
  amount_fen: 500000,
  cap_individual_fen: null,
  cap_enterprise_fen: null,
  max_times: 1,
  materials: MATERIALS,
  open: true,
  eligibility: { eligible: true, reasons: [] },
};

const LOAN = {
  code: 'guaranteed_loan',
  name: '创业担保贷款',
  kind: 'loan',
  description: '财政贴息的创业贷款',
  amount_fen: null,
  cap_individual_fen: 30000000,
  cap_enterprise_fen: 500000000,
  max_times: 3,
  used_times: 1,
  materials: MATERIALS.filter((m) => m.kind !== 'business_licence')
    .concat({ kind: 'business_licence', label: '营业执照', required: false }),
  open: true,
  eligibility: { eligible: true, reasons: [] },
};

const policy = (base, overrides) => Object.assign({}, base, overrides);

function policiesBody(items) {
  return { statusCode: 200, data: { subscribe_template_id: TEMPLATE_ID, items: items || [SUBSIDY, LOAN] } };
}

/** An application as the server returns it. */
function application(overrides) {
  return Object.assign({
    id: 42,
    policy: 'guaranteed_loan',
    status: 'draft',
    version: 1,
    borrower_type: 'individual',
    enterprise_name: null,
    enterprise_uscc: null,
    amount_fen: 10000000,
    term_months: 24,
    purpose: '购买茶叶加工设备',
    bank_name: '咸安农商银行',
    bank_account: '6222********1234',
    contact_phone: '13812345678',
    jobs_created: 3,
    attachments: [],
    timeline: [],
    disbursement: null,
    created_at: '2026-11-20T02:00:00Z',
    updated_at: '2026-11-20T02:00:00Z',
  }, overrides);
}

let uploadSeq = 0;

/** A 201 answer of POST /api/v1/uploads for a kind. */
function uploaded(kind, overrides) {
  uploadSeq += 1;
  return {
    statusCode: 201,
    progress: [35, 80, 100],
    data: Object.assign({
      id: `up_${kind}_${uploadSeq}`,
      url: `/files/up_${kind}_${uploadSeq}?exp=1&sig=x`,
      kind,
      content_type: 'image/jpeg',
      size: 12345,
      name: `${kind}.jpg`,
    }, overrides),
  };
}

/** Uploads answer 201 with an ID that names the kind sent. */
function serveUploads(fake) {
  fake.route('UPLOAD', '/api/v1/uploads', (opts) => uploaded(opts.formData.kind));
  return fake;
}

// ---- alumni: schools, alumnus record, points, perks, vouchers ------------

const SCHOOLS = [
  { code: 'xa1z', name: '咸安区第一中学' },
  { code: 'xa2z', name: '咸安区第二中学' },
];

const ALUMNUS = {
  person_id: 1,
  name: '李四',
  id_card: ID_MASKED,
  school_code: 'xa1z',
  school_name: '咸安区第一中学',
  entry_year: 2005,
  graduation_year: 2008,
  current_city: '深圳市',
  organization: '某科技公司',
  industry: '信息技术',
  title: '工程师',
  expertise: '嵌入式开发',
  offers: ['talent', 'advice'],
  directory_consent: true,
  status: 'approved',
  grade_code: 'expert',
  grade_name: '专家库成员',
  version: 2,
};

/** Routes /schools, /me and /me/alumnus. */
function serveAlumnus(fake, { record = null, phone = '138****5678' } = {}) {
  fake.route('GET', '/api/v1/schools', { statusCode: 200, data: { items: SCHOOLS } });
  fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone, roles: [] } });
  fake.route('GET', '/api/v1/me/alumnus', record ? { statusCode: 200, data: record } : NOT_REGISTERED);
  return fake;
}

const POINTS = {
  person_id: 1,
  balance: 1200,
  expiring: [{ points: 200, expires_at: '2027-12-31T15:59:59Z' }],
  expiring_total: 200,
};

/** A perk as GET /api/v1/perks returns it. */
function perk(overrides) {
  return Object.assign({
    id: 7,
    name: '家乡景区年卡',
    category: 'culture_tourism',
    provider_code: 'culture_bureau',
    points_price: 500,
    stock: 20,
    per_person_limit: 1,
    valid_from: '2026-01-01T00:00:00Z',
    valid_until: '2027-06-30T15:59:59Z',
    description: '全年不限次数游览区内景区',
    picture_url: '',
    visible: true,
  }, overrides);
}

/** A voucher as the server returns it. */
function voucher(overrides) {
  return Object.assign({
    id: 31,
    code: 'ABCD23456789',
    qr: 'huixiang:voucher:ABCD23456789',
    perk_id: 7,
    perk_name: '家乡景区年卡',
    provider_code: 'culture_bureau',
    person_id: 1,
    status: 'issued',
    points_spent: 500,
    issued_at: '2026-11-28T02:00:00Z',
    expires_at: '2099-06-30T15:59:59Z',
    used_at: null,
    used_by_staff_id: null,
    cancelled_at: null,
  }, overrides);
}

module.exports = {
  OPTIONS,
  TOWNSHIPS,
  VILLAGES,
  ID_CARD,
  ID_MASKED,
  RECORD,
  NOT_REGISTERED,
  serveReturnee,
  TEMPLATE_ID,
  MATERIALS,
  SUBSIDY,
  LOAN,
  policy,
  policiesBody,
  application,
  uploaded,
  serveUploads,
  SCHOOLS,
  ALUMNUS,
  serveAlumnus,
  POINTS,
  perk,
  voucher,
};
