/**
 * 楚商信息 form: the code lists (as internal/merchant Bands), the form kept by the page, the
 * checks the server makes (required hometown, business province and industry; lengths;
 * credit codes), the PUT /api/v1/me/merchant body, the record as readable rows, and whether
 * it should be confirmed again.
 */
const { charCount, textError, idCardError, usccError } = require('../../lib/validate');
const { normalizeIdCard } = require('../../lib/idcard');
const { formatBeijingDate, todayBeijing, isDate } = require('../../lib/datetime');
const { industryName, sectionOf } = require('../project/industries');

const BANDS = {
  size_band: [{ code: 'micro', label: '微型' }, { code: 'small', label: '小型' }, { code: 'medium', label: '中型' }, { code: 'large', label: '大型' }],
  revenue_band: [
    { code: 'lt_500', label: '500 万元以下' }, { code: '500_2000', label: '500–2000 万元' },
    { code: '2000_10000', label: '2000 万–1 亿元' }, { code: '10000_40000', label: '1–4 亿元' },
    { code: 'ge_40000', label: '4 亿元以上' },
  ],
  operating_status: [{ code: 'operating', label: '正常经营' }, { code: 'suspended', label: '停业' }, { code: 'closed', label: '注销' }],
  amount_band: [
    { code: 'lt_100', label: '100 万元以下' }, { code: '100_1000', label: '100–1000 万元' },
    { code: '1000_5000', label: '1000–5000 万元' }, { code: '5000_10000', label: '5000 万–1 亿元' },
    { code: 'ge_10000', label: '1 亿元以上' },
  ],
  timing: [{ code: 'within_6m', label: '半年内' }, { code: 'within_1y', label: '一年内' }, { code: 'within_3y', label: '三年内' }, { code: 'undecided', label: '暂不确定' }],
};

const LIMITS = {
  biz_province: 32, biz_city: 32, chamber_roles: 200,
};
const ENTERPRISE_LIMITS = { name: 100, province: 32, city: 32 };
const MAX_FIELDS = 10;
const MAX_ENTERPRISES = 20;
const NAME_MAX = 32;

function emptyEnterprise() {
  return {
    name: '', uscc: '', industry_code: '', province: '', city: '', size_band: '', revenue_band: '', status: 'operating',
  };
}

function emptyForm() {
  return {
    name: '',
    id_card: '',
    township_code: '',
    biz_province: '',
    biz_city: '',
    industry_code: '',
    size_band: '',
    revenue_band: '',
    operating_status: 'operating',
    chamber_roles: '',
    intended_fields: [],
    amount_band: '',
    timing: '',
    preferred_township: '',
    enterprises: [],
  };
}

const str = (v) => (v === null || v === undefined ? '' : String(v));

/** The form of a saved record (ID number and phone stay masked on the record, never here). */
function formFromRecord(record) {
  const r = record || {};
  const form = emptyForm();
  ['township_code', 'biz_province', 'biz_city', 'industry_code', 'size_band', 'revenue_band', 'operating_status',
    'chamber_roles', 'amount_band', 'timing', 'preferred_township'].forEach((key) => {
    form[key] = str(r[key]);
  });
  if (!form.operating_status) {
    form.operating_status = 'operating';
  }
  form.intended_fields = Array.isArray(r.intended_fields) ? r.intended_fields.slice() : [];
  form.enterprises = (Array.isArray(r.enterprises) ? r.enterprises : []).map((e) => Object.assign(emptyEnterprise(), {
    name: str(e.name),
    uscc: str(e.uscc),
    industry_code: str(e.industry_code),
    province: str(e.province),
    city: str(e.city),
    size_band: str(e.size_band),
    revenue_band: str(e.revenue_band),
    status: str(e.status) || 'operating',
  }));
  return form;
}

/**
 * { field: message } of what the server would refuse. withIdentity: a first record of a
 * user who has no person yet (name and ID number asked); identity fields left empty are
 * allowed otherwise, and the server says if it needs them.
 */
function validate(form, ctx = {}) {
  const f = form || emptyForm();
  const errors = {};
  const idTyped = normalizeIdCard(f.id_card) !== '';
  if (ctx.withIdentity && (idTyped || charCount(f.name.trim()) > 0)) {
    const nameErr = textError(f.name.trim(), { label: '姓名', max: NAME_MAX, required: true });
    if (nameErr) errors.name = nameErr;
    const idErr = idCardError(f.id_card);
    if (idErr) errors.id_card = idErr;
  }
  if (!f.township_code) errors.township_code = '请选择籍贯乡镇（街道）';
  const province = textError(f.biz_province.trim(), { label: '经营所在省份', max: LIMITS.biz_province, required: true });
  if (province) errors.biz_province = province;
  const city = textError(f.biz_city.trim(), { label: '经营所在城市', max: LIMITS.biz_city });
  if (city) errors.biz_city = city;
  if (!f.industry_code) errors.industry_code = '请选择所属行业';
  const roles = textError(f.chamber_roles.trim(), { label: '商会任职', max: LIMITS.chamber_roles });
  if (roles) errors.chamber_roles = roles;
  if (f.intended_fields.length > MAX_FIELDS) errors.intended_fields = `意向领域最多选择 ${MAX_FIELDS} 项`;
  if (f.enterprises.length > MAX_ENTERPRISES) {
    errors.enterprises = `企业最多填写 ${MAX_ENTERPRISES} 家`;
  }
  const seen = {};
  f.enterprises.forEach((e, i) => {
    const name = e.name.trim();
    let message = '';
    if (charCount(name) < 2) {
      message = '请填写企业名称';
    } else if (charCount(name) > ENTERPRISE_LIMITS.name) {
      message = `企业名称最多${ENTERPRISE_LIMITS.name}个字`;
    } else if (e.uscc.trim() && usccError(e.uscc)) {
      message = usccError(e.uscc);
    } else if (charCount(e.province.trim()) > ENTERPRISE_LIMITS.province || charCount(e.city.trim()) > ENTERPRISE_LIMITS.city) {
      message = '省份、城市最多32个字';
    }
    const code = e.uscc.replace(/\s+/g, '').toUpperCase();
    if (!message && code) {
      if (seen[code]) message = '统一社会信用代码和上面的企业重复了';
      seen[code] = true;
    }
    if (message) errors[`enterprise_${i}`] = message;
  });
  return errors;
}

/** The first field with an error, in the order of the form. */
const ORDER = ['name', 'id_card', 'township_code', 'biz_province', 'biz_city', 'industry_code', 'chamber_roles', 'intended_fields', 'enterprises'];
function firstErrorField(errors) {
  const keys = Object.keys(errors || {}).filter((k) => errors[k]);
  const ordered = ORDER.find((k) => keys.indexOf(k) >= 0);
  return ordered || keys.sort()[0] || '';
}

/** The PUT body. Name and ID number only when an ID number is typed. */
function toPayload(form, version) {
  const f = form || emptyForm();
  const body = {
    township_code: f.township_code,
    biz_province: f.biz_province.trim(),
    biz_city: f.biz_city.trim(),
    industry_code: f.industry_code,
    size_band: f.size_band,
    revenue_band: f.revenue_band,
    operating_status: f.operating_status || 'operating',
    chamber_roles: f.chamber_roles.trim(),
    intended_fields: f.intended_fields.slice(0, MAX_FIELDS),
    amount_band: f.amount_band,
    timing: f.timing,
    preferred_township: f.preferred_township,
    enterprises: f.enterprises.map((e) => ({
      name: e.name.trim(),
      uscc: e.uscc.replace(/\s+/g, '').toUpperCase(),
      industry_code: e.industry_code,
      province: e.province.trim(),
      city: e.city.trim(),
      size_band: e.size_band,
      revenue_band: e.revenue_band,
      status: e.status || 'operating',
    })),
  };
  const id = normalizeIdCard(f.id_card);
  if (id) {
    body.name = f.name.trim();
    body.id_card = id;
  }
  if (typeof version === 'number' && version > 0) {
    body.version = version;
  }
  return body;
}

/** The label of a code of a band ('' when none). */
function bandLabel(kind, code) {
  const hit = (BANDS[kind] || []).find((o) => o.code === code);
  return hit ? hit.label : '';
}

const labelIn = (list, code) => {
  const hit = (list || []).find((o) => o.code === code);
  return hit ? String(hit.label || hit.name || '') : '';
};

/** The industry as "制造业 · 农副食品加工业" (section and division) or the section alone. */
function industryLabel(code) {
  const name = industryName(code);
  if (!name) return '';
  const section = sectionOf(code);
  return section && section !== code ? `${industryName(section)} · ${name}` : name;
}

/** The record as rows { key, label, value } (未填写 when empty). lists: { townships, fields }. */
function recordRows(record, lists = {}) {
  const r = record || {};
  const none = '未填写';
  const township = (code) => labelIn(lists.townships, code);
  const fields = (Array.isArray(r.intended_fields) ? r.intended_fields : []).map((c) => labelIn(lists.fields, c) || c);
  const place = [r.biz_province, r.biz_city].filter(Boolean).join(' ');
  return [
    { key: 'name', label: '姓名', value: str(r.name) || none },
    { key: 'phone', label: '联系电话', value: str(r.phone) || none },
    { key: 'township', label: '籍贯', value: r.township_name || township(r.township_code) || none },
    { key: 'place', label: '经营所在地', value: place || none },
    { key: 'industry', label: '所属行业', value: industryLabel(r.industry_code) || r.industry_name || none },
    { key: 'size', label: '企业规模', value: bandLabel('size_band', r.size_band) || none },
    { key: 'revenue', label: '年营业收入', value: bandLabel('revenue_band', r.revenue_band) || none },
    { key: 'status', label: '经营状态', value: bandLabel('operating_status', r.operating_status) || none },
    { key: 'chamber', label: '商会任职', value: str(r.chamber_roles) || none },
    { key: 'fields', label: '意向投资领域', value: fields.join('、') || none },
    { key: 'amount', label: '意向投资金额', value: bandLabel('amount_band', r.amount_band) || none },
    { key: 'timing', label: '打算什么时候投资', value: bandLabel('timing', r.timing) || none },
    { key: 'preferred', label: '想在哪个乡镇投资', value: township(r.preferred_township) || none },
  ];
}

/** The enterprises as lines: "咸安茶业有限公司（91421202…）· 湖北省 武汉市". */
function enterpriseLines(record) {
  return (Array.isArray(record && record.enterprises) ? record.enterprises : []).map((e) => {
    const where = [e.province, e.city].filter(Boolean).join(' ');
    const status = e.status && e.status !== 'operating' ? bandLabel('operating_status', e.status) : '';
    return [e.name, e.uscc ? `统一社会信用代码 ${e.uscc}` : '', where, status].filter(Boolean).join(' · ');
  });
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether the record asks to be confirmed: the server's `fresh` is false. days: the server's
 * update-rate window (fresh_days, 180 unless configured), or, from a server that does not send
 * it, whole days since confirmed_at (at least 1); confirmedOn: the Beijing date in words;
 * confirmedDate: the same as YYYY-MM-DD; dueOn: the date the record stays valid until
 * (confirm_due_on); text: the stale banner; validText: the quiet line under a fresh record.
 */
function staleInfo(record, now = Date.now()) {
  const r = record || {};
  const at = Date.parse(r.confirmed_at || '');
  const since = Number.isNaN(at) ? 0 : Math.max(1, Math.floor((now - at) / DAY_MS));
  const window = Number(r.fresh_days) > 0 ? Math.floor(Number(r.fresh_days)) : 0;
  const days = window || since;
  const confirmedDate = Number.isNaN(at) ? '' : todayBeijing(new Date(at));
  const dueOn = isDate(r.confirm_due_on) ? r.confirm_due_on : '';
  const stale = r.fresh === false;
  return {
    stale,
    days,
    confirmedOn: Number.isNaN(at) ? '' : formatBeijingDate(r.confirmed_at),
    confirmedDate,
    dueOn,
    text: `您的信息已超过 ${days} 天未确认${confirmedDate ? `（上次确认 ${confirmedDate}）` : ''}，请确认或更新`,
    validText: !stale && dueOn ? `信息有效期至 ${dueOn}` : '',
  };
}

module.exports = {
  BANDS,
  LIMITS,
  ENTERPRISE_LIMITS,
  MAX_FIELDS,
  MAX_ENTERPRISES,
  emptyForm,
  emptyEnterprise,
  formFromRecord,
  validate,
  firstErrorField,
  toPayload,
  bandLabel,
  industryLabel,
  recordRows,
  enterpriseLines,
  staleInfo,
};
