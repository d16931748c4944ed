/**
 * The returnee registration form: its fields, steps, step validation and
 * the conversion to and from the API record (PUT/GET /api/v1/me/returnee).
 *
 * The form is flat (business.uscc is `uscc`, etc.) so that every field can be
 * bound and updated with one setData path.
 */
const {
  normalizeIdCard, matchesMasked, parseIdCard, isValidIdCard, maskIdCard,
} = require('./idcard');
const { normalizeUscc } = require('./uscc');
const v = require('./validate');

const STEPS = ['身份信息', '户籍所在地', '务工与技能', '创业意向与需求'];

/** Character limits of the free-text fields. */
const LIMITS = {
  name: 32,
  work_province: 32,
  work_city: 32,
  industry: 64,
  skills_text: 500,
  certificates: 500,
  intention_note: 500,
  business_name: 100,
};

// As the server checks names: 2 to 32 Chinese characters or letters, with the
// middle dot of minority and foreign names.
const NAME_RE = /^[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\u{20000}-\u{323AF}A-Za-z·•. ]+$/u;

const STATUS_OPTIONS = [
  { code: 'returned', label: '已经返乡' },
  { code: 'away', label: '还在外地务工' },
  { code: 'planning', label: '打算返乡' },
];

const INTENTION_OPTIONS = [
  { code: 'none', label: '暂时没有创业打算' },
  { code: 'considering', label: '正在考虑创业' },
  { code: 'preparing', label: '正在筹备创业' },
  { code: 'started', label: '已经创业' },
];

const STEP_FIELDS = [
  ['name', 'id_card'],
  ['township_code', 'village_code'],
  ['status', 'left_on', 'returned_on', 'plan_return_on', 'work_province', 'work_city', 'industry',
    'years_away', 'skills', 'skills_text', 'certificates', 'education'],
  ['intention', 'intended_fields', 'intention_note', 'needs', 'business_name', 'business_type',
    'uscc', 'business_started_on', 'jobs_created'],
];

// Server field names (JSON paths of the PUT body) that differ from form keys.
const SERVER_FIELDS = {
  business: 'business_name',
  'business.name': 'business_name',
  'business.type': 'business_type',
  'business.uscc': 'uscc',
  'business.started_on': 'business_started_on',
  'business.jobs_created': 'jobs_created',
};

function emptyForm() {
  return {
    name: '',
    id_card: '',
    township_code: '',
    village_code: '',
    status: '',
    left_on: '',
    returned_on: '',
    plan_return_on: '',
    work_province: '',
    work_city: '',
    industry: '',
    years_away: '',
    skills: [],
    skills_text: '',
    certificates: '',
    education: '',
    intention: '',
    intended_fields: [],
    intention_note: '',
    needs: [],
    business_name: '',
    business_type: '',
    uscc: '',
    business_started_on: '',
    jobs_created: '',
  };
}

/** A form filled from anything form-shaped (a draft), ignoring unknown keys. */
function normalizeForm(source) {
  const form = emptyForm();
  if (!source || typeof source !== 'object') {
    return form;
  }
  Object.keys(form).forEach((key) => {
    const value = source[key];
    if (Array.isArray(form[key])) {
      form[key] = Array.isArray(value) ? value.map(String) : [];
    } else if (value !== null && value !== undefined) {
      form[key] = String(value);
    }
  });
  return form;
}

const str = (value) => (value === null || value === undefined ? '' : String(value));

/** The form for an existing record. Its id_card stays empty: the server only returns it masked. */
function formFromRecord(record) {
  const r = record || {};
  const b = r.business || {};
  return normalizeForm({
    name: str(r.name),
    township_code: str(r.township_code),
    village_code: str(r.village_code),
    status: str(r.status),
    left_on: str(r.left_on),
    returned_on: str(r.returned_on),
    plan_return_on: str(r.plan_return_on),
    work_province: str(r.work_province),
    work_city: str(r.work_city),
    industry: str(r.industry),
    years_away: str(r.years_away),
    skills: r.skills || [],
    skills_text: str(r.skills_text),
    certificates: str(r.certificates),
    education: str(r.education),
    intention: str(r.intention),
    intended_fields: r.intended_fields || [],
    intention_note: str(r.intention_note),
    needs: r.needs || [],
    business_name: str(b.name),
    business_type: str(b.type),
    uscc: str(b.uscc),
    business_started_on: str(b.started_on),
    jobs_created: str(b.jobs_created),
  });
}

const textOrEmpty = (value) => str(value).trim();
const dateOrNull = (value) => (textOrEmpty(value) ? textOrEmpty(value) : null);
const intOrNull = (value) => (textOrEmpty(value) === '' ? null : Number(textOrEmpty(value)));

/** The whole record to PUT. `business` only when the user has started a business. */
function toPayload(form) {
  const f = normalizeForm(form);
  const payload = {
    name: textOrEmpty(f.name),
    id_card: normalizeIdCard(f.id_card),
    township_code: f.township_code,
    village_code: f.village_code,
    status: f.status,
    left_on: dateOrNull(f.left_on),
    returned_on: f.status === 'returned' ? dateOrNull(f.returned_on) : null,
    plan_return_on: f.status === 'planning' ? dateOrNull(f.plan_return_on) : null,
    work_province: textOrEmpty(f.work_province),
    work_city: textOrEmpty(f.work_city),
    industry: textOrEmpty(f.industry),
    years_away: intOrNull(f.years_away),
    skills: f.skills.slice(),
    skills_text: textOrEmpty(f.skills_text),
    certificates: textOrEmpty(f.certificates),
    education: f.education,
    intention: f.intention || 'none',
    intended_fields: f.intended_fields.slice(),
    intention_note: textOrEmpty(f.intention_note),
    needs: f.needs.slice(),
  };
  if (f.intention === 'started') {
    payload.business = {
      name: textOrEmpty(f.business_name),
      type: f.business_type,
      uscc: normalizeUscc(f.uscc) || null,
      started_on: dateOrNull(f.business_started_on),
      jobs_created: intOrNull(f.jobs_created),
    };
  }
  return payload;
}

/** The form key a server error field names ('business.uscc' -> 'uscc', 'skills[1]' -> 'skills'). */
function formKeyOfServerField(field) {
  if (!field) {
    return '';
  }
  const path = String(field).replace(/\[\d+\]/g, '').replace(/\.\d+(?=\.|$)/g, '');
  if (SERVER_FIELDS[path]) {
    return SERVER_FIELDS[path];
  }
  return Object.prototype.hasOwnProperty.call(emptyForm(), path) ? path : '';
}

/** The step (0-3) holding a form key, or -1. */
function stepOfField(key) {
  return STEP_FIELDS.findIndex((fields) => fields.indexOf(key) >= 0);
}

function limitError(form, key) {
  return v.lengthError(form[key], LIMITS[key]);
}

function putError(errors, key, message) {
  if (message && !errors[key]) {
    errors[key] = message;
  }
}

/**
 * Validates one step. Returns { fieldKey: message } (empty when fine).
 * ctx: { today: 'YYYY-MM-DD', maskedIdCard: the registered ID as the server
 * shows it, when editing }.
 */
function validateStep(step, form, ctx = {}) {
  const f = normalizeForm(form);
  const today = ctx.today || '9999-12-31';
  const errors = {};

  if (step === 0) {
    const name = f.name.trim();
    putError(errors, 'name', v.textError(name, { label: '姓名', max: LIMITS.name, required: true }));
    if (!errors.name && !NAME_RE.test(name)) {
      errors.name = '姓名只能填汉字或字母，不要填数字或符号';
    }
    if (!errors.name && v.charCount(name) < 2) {
      errors.name = '姓名至少2个字';
    }
    putError(errors, 'id_card', v.idCardError(f.id_card));
    if (!errors.id_card && ctx.maskedIdCard && !matchesMasked(f.id_card, ctx.maskedIdCard)) {
      errors.id_card = '与登记时的身份证号不一致，请核对';
    }
  } else if (step === 1) {
    if (!f.township_code) {
      errors.township_code = '请选择所在乡镇（街道）';
    }
    if (!f.village_code) {
      errors.village_code = '请选择所在村（社区）';
    }
  } else if (step === 2) {
    if (!f.status) {
      errors.status = '请选择您现在的情况';
    }
    // Dates cannot be before the birth date in the ID number.
    const born = (parseIdCard(f.id_card) || {}).birthDate || '';
    putError(errors, 'left_on', v.dateError(f.left_on, '外出时间'));
    if (!errors.left_on && f.left_on && f.left_on > today) {
      errors.left_on = '外出时间不能晚于今天';
    }
    if (!errors.left_on && f.left_on && born && f.left_on < born) {
      errors.left_on = '外出时间不能早于出生日期';
    }
    if (f.status === 'returned') {
      putError(errors, 'returned_on', v.isBlank(f.returned_on) ? '请选择返乡时间' : v.dateError(f.returned_on, '返乡时间'));
      if (!errors.returned_on && f.returned_on > today) {
        errors.returned_on = '返乡时间不能晚于今天';
      }
      if (!errors.returned_on && f.left_on && f.returned_on < f.left_on) {
        errors.returned_on = '返乡时间不能早于外出时间';
      }
      if (!errors.returned_on && born && f.returned_on < born) {
        errors.returned_on = '返乡时间不能早于出生日期';
      }
    }
    if (f.status === 'planning') {
      putError(errors, 'plan_return_on', v.dateError(f.plan_return_on, '计划返乡时间'));
      if (!errors.plan_return_on && f.plan_return_on && f.plan_return_on < today) {
        errors.plan_return_on = '计划返乡时间不能早于今天';
      }
    }
    ['work_province', 'work_city', 'industry', 'skills_text', 'certificates'].forEach((key) => {
      putError(errors, key, limitError(f, key));
    });
    putError(errors, 'years_away', v.integerError(f.years_away, { label: '在外务工年数', min: 0, max: 80 }));
  } else if (step === 3) {
    // 创业打算 is optional, as on the server (left empty it is saved as 暂时没有).
    putError(errors, 'intention_note', limitError(f, 'intention_note'));
    if (f.intention === 'started') {
      putError(errors, 'business_name', limitError(f, 'business_name'));
      if (!v.isBlank(f.uscc)) {
        putError(errors, 'uscc', v.usccError(f.uscc));
      }
      putError(errors, 'business_started_on', v.dateError(f.business_started_on, '开业时间'));
      if (!errors.business_started_on && f.business_started_on && f.business_started_on > today) {
        errors.business_started_on = '开业时间不能晚于今天';
      }
      putError(errors, 'jobs_created', v.integerError(f.jobs_created, { label: '带动就业人数', min: 0, max: 100000 }));
    }
  }
  return errors;
}

/**
 * What the draft in storage keeps: the form without the ID number (issue
 * 11: never in clear on the phone), only its masked form to remind the
 * user which number to type again.
 */
function toDraft(form, step) {
  const f = normalizeForm(form);
  const id = normalizeIdCard(f.id_card);
  f.id_card = '';
  return {
    form: f,
    step: Number(step) || 0,
    id_masked: isValidIdCard(id) ? maskIdCard(id) : '',
    saved_at: new Date().toISOString(),
  };
}

/** A stored draft as { form, step, idMasked }, or null; an ID number in an old draft is dropped. */
function fromDraft(draft) {
  if (!draft || typeof draft !== 'object' || !draft.form) {
    return null;
  }
  const form = normalizeForm(draft.form);
  const legacyId = normalizeIdCard(form.id_card);
  form.id_card = '';
  let step = Number(draft.step) || 0;
  if (step < 0 || step >= STEPS.length) {
    step = 0;
  }
  let idMasked = typeof draft.id_masked === 'string' ? draft.id_masked : '';
  if (!idMasked && isValidIdCard(legacyId)) {
    idMasked = maskIdCard(legacyId);
  }
  return { form, step, idMasked };
}

/** The first step with an error and its errors, or null when the whole form is fine. */
function firstInvalidStep(form, ctx) {
  for (let step = 0; step < STEPS.length; step += 1) {
    const errors = validateStep(step, form, ctx);
    if (Object.keys(errors).length > 0) {
      return { step, errors };
    }
  }
  return null;
}

/** Character counts of the fields that show a counter. */
function counts(form) {
  const f = normalizeForm(form);
  const out = {};
  Object.keys(LIMITS).forEach((key) => {
    out[key] = v.charCount(f[key]);
  });
  return out;
}

module.exports = {
  STEPS,
  LIMITS,
  STATUS_OPTIONS,
  INTENTION_OPTIONS,
  STEP_FIELDS,
  emptyForm,
  normalizeForm,
  formFromRecord,
  toPayload,
  formKeyOfServerField,
  stepOfField,
  validateStep,
  firstInvalidStep,
  counts,
  toDraft,
  fromDraft,
};
