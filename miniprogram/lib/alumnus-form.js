/**
 * 校友登记 form: fields, checks with plain Chinese messages, the PUT body
 * and the record's status as words.
 *
 * The checks are the server's (internal/alumni/validate.go): name 2–32
 * characters; entry year from three years after the birth year in the ID
 * number up to this year; graduation year optional, not before the entry
 * year, at most 12 years after it and at most 6 years ahead (students);
 * 现居城市 optional; text limits as below.
 */
const {
  normalizeIdCard, matchesMasked, parseIdCard, isValidIdCard, maskIdCard,
} = require('./idcard');
const { textError, idCardError, isBlank, charCount } = require('./validate');

const LIMITS = {
  name: 32,
  current_city: 32,
  organization: 100,
  industry: 64,
  title: 64,
  expertise: 500,
};

// As the server checks names (see returnee-form.js).
const NAME_RE = /^[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\u{20000}-\u{323AF}A-Za-z·•. ]+$/u;

const OFFER_OPTIONS = [
  { code: 'talent', label: '引荐人才' },
  { code: 'investment', label: '投资兴业' },
  { code: 'projects', label: '介绍项目' },
  { code: 'advice', label: '咨询建议' },
];

const STATUS_TEXT = {
  pending: { label: '待审核', tone: 'orange', note: '工作人员会尽快审核您的登记。' },
  approved: { label: '已通过', tone: 'green', note: '' },
  rejected: { label: '未通过', tone: 'grey', note: '如有疑问，可修改后重新提交或联系工作人员。' },
};

const FIELDS = ['name', 'id_card', 'school_code', 'entry_year', 'graduation_year', 'current_city',
  'organization', 'industry', 'title', 'expertise'];

function emptyForm() {
  return {
    name: '',
    id_card: '',
    school_code: '',
    entry_year: '',
    graduation_year: '',
    current_city: '',
    organization: '',
    industry: '',
    title: '',
    expertise: '',
    offers: [],
    directory_consent: false,
  };
}

const str = (value) => (value === null || value === undefined ? '' : String(value));

/** A form from anything form-shaped (a draft), ignoring unknown keys. */
function normalizeForm(source) {
  const form = emptyForm();
  if (!source || typeof source !== 'object') {
    return form;
  }
  FIELDS.forEach((key) => {
    form[key] = str(source[key]);
  });
  const known = OFFER_OPTIONS.map((o) => o.code);
  form.offers = Array.isArray(source.offers) ? source.offers.map(String).filter((c) => known.indexOf(c) >= 0) : [];
  form.directory_consent = source.directory_consent === true;
  return form;
}

/** The form for an existing record; id_card stays empty (the server only returns it masked). */
function formFromRecord(record) {
  const r = Object.assign({}, record || {});
  r.id_card = '';
  return normalizeForm(r);
}

// A graduation year may lie ahead (students), as far as the server allows.
const GRAD_YEARS_AHEAD = 6;
const MAX_STUDY_YEARS = 12;

/** Years offered in the pickers, newest first, as strings. */
function yearRange(currentYear, from = 1940) {
  const out = [];
  for (let y = currentYear; y >= from; y -= 1) {
    out.push(String(y));
  }
  return out;
}

/** Years for the graduation picker: up to GRAD_YEARS_AHEAD years ahead. */
function graduationYears(currentYear, from = 1940) {
  return yearRange(currentYear + GRAD_YEARS_AHEAD, from);
}

/**
 * Checks the whole form: { field: message } (empty when fine).
 * ctx: { currentYear, maskedIdCard, schools: [{code}] }.
 */
function validate(form, ctx = {}) {
  const f = normalizeForm(form);
  const errors = {};
  const put = (key, message) => {
    if (message && !errors[key]) {
      errors[key] = message;
    }
  };

  put('name', textError(f.name, { label: '姓名', max: LIMITS.name, required: true }));
  if (!errors.name && !NAME_RE.test(f.name.trim())) {
    put('name', '姓名只能填汉字或字母');
  }
  if (!errors.name && charCount(f.name.trim()) < 2) {
    put('name', '姓名至少2个字');
  }
  put('id_card', idCardError(f.id_card));
  if (!errors.id_card && ctx.maskedIdCard) {
    if (!matchesMasked(f.id_card, ctx.maskedIdCard)) {
      put('id_card', `与登记的身份证号（${ctx.maskedIdCard}）不一致，请核对`);
    }
  }
  if (isBlank(f.school_code)) {
    put('school_code', '请选择毕业（就读）学校');
  } else if (Array.isArray(ctx.schools) && ctx.schools.length
    && !ctx.schools.some((s) => s.code === f.school_code)) {
    put('school_code', '这所学校已不在名单里，请重新选择');
  }

  const now = Number(ctx.currentYear) || new Date().getFullYear();
  const entry = Number(f.entry_year);
  const grad = Number(f.graduation_year);
  const born = errors.id_card ? 0 : Number(((parseIdCard(f.id_card) || {}).birthDate || '').slice(0, 4));
  if (isBlank(f.entry_year)) {
    put('entry_year', '请选择入学年份');
  } else if (!/^\d{4}$/.test(f.entry_year) || entry > now) {
    put('entry_year', '入学年份不对，请重新选择');
  } else if (born && entry < born + 3) {
    put('entry_year', `入学年份不能早于${born + 3}年（出生后3年），请核对`);
  }
  if (!isBlank(f.graduation_year)) {
    if (!/^\d{4}$/.test(f.graduation_year) || grad > now + GRAD_YEARS_AHEAD) {
      put('graduation_year', `毕业年份不对，最晚可选${now + GRAD_YEARS_AHEAD}年`);
    } else if (!errors.entry_year && !isBlank(f.entry_year) && grad < entry) {
      put('graduation_year', '毕业年份不能早于入学年份');
    } else if (!errors.entry_year && !isBlank(f.entry_year) && grad > entry + MAX_STUDY_YEARS) {
      put('graduation_year', `毕业年份最多比入学年份晚${MAX_STUDY_YEARS}年，请核对`);
    }
  }

  ['current_city', 'organization', 'industry', 'title', 'expertise'].forEach((key) => {
    put(key, textError(f[key], { label: '', max: LIMITS[key], required: false }));
  });
  return errors;
}

/** The order fields appear on the page (for scrolling to the first error). */
const FIELD_ORDER = ['name', 'id_card', 'school_code', 'entry_year', 'graduation_year', 'current_city',
  'organization', 'industry', 'title', 'expertise', 'offers', 'directory_consent'];

function firstErrorField(errors) {
  return FIELD_ORDER.find((key) => errors[key]) || '';
}

/** The whole record to PUT. */
function toPayload(form) {
  const f = normalizeForm(form);
  const text = (v) => str(v).trim();
  return {
    name: text(f.name),
    id_card: normalizeIdCard(f.id_card),
    school_code: f.school_code,
    entry_year: Number(f.entry_year),
    graduation_year: isBlank(f.graduation_year) ? null : Number(f.graduation_year),
    current_city: text(f.current_city),
    organization: text(f.organization),
    industry: text(f.industry),
    title: text(f.title),
    expertise: text(f.expertise),
    offers: OFFER_OPTIONS.map((o) => o.code).filter((c) => f.offers.indexOf(c) >= 0),
    directory_consent: f.directory_consent === true,
  };
}

/**
 * What the draft in storage keeps: the form without the ID number (never
 * stored in clear), only its masked form to remind the user.
 */
function toDraft(form) {
  const f = normalizeForm(form);
  const id = normalizeIdCard(f.id_card);
  f.id_card = '';
  return { form: f, id_masked: isValidIdCard(id) ? maskIdCard(id) : '', saved_at: new Date().toISOString() };
}

/** A stored draft as { form, idMasked }, or null; an ID number in an old draft is dropped. */
function fromDraft(draft) {
  if (!draft || typeof draft !== 'object' || !draft.form) {
    return null;
  }
  const form = normalizeForm(draft.form);
  const legacyId = normalizeIdCard(form.id_card);
  form.id_card = '';
  let idMasked = typeof draft.id_masked === 'string' ? draft.id_masked : '';
  if (!idMasked && isValidIdCard(legacyId)) {
    idMasked = maskIdCard(legacyId);
  }
  return { form, idMasked };
}

/** Characters typed per limited field. */
function counts(form) {
  const out = {};
  Object.keys(LIMITS).forEach((key) => {
    out[key] = Array.from(str(form && form[key])).length;
  });
  return out;
}

/** The status banner of a record: { label, tone, note, grade } or null. */
function statusOf(record) {
  if (!record || !record.status) {
    return null;
  }
  const known = STATUS_TEXT[record.status] || { label: '处理中', tone: 'grey', note: '' };
  return {
    label: known.label,
    tone: known.tone,
    note: known.note,
    grade: record.status === 'approved' ? str(record.grade_name) : '',
  };
}

/** The form key of a server `field` (a JSON name of the PUT body), or ''. */
function formKeyOfServerField(field) {
  const key = str(field).split('.')[0];
  return FIELD_ORDER.indexOf(key) >= 0 ? key : '';
}

module.exports = {
  LIMITS,
  OFFER_OPTIONS,
  STATUS_TEXT,
  emptyForm,
  normalizeForm,
  formFromRecord,
  GRAD_YEARS_AHEAD,
  yearRange,
  graduationYears,
  validate,
  toDraft,
  fromDraft,
  firstErrorField,
  toPayload,
  counts,
  statusOf,
  formKeyOfServerField,
};
