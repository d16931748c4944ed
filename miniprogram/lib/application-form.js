/**
 * The startup-subsidy and guaranteed-loan application form: which fields a
 * policy asks for, their checks (in plain Chinese), the required materials,
 * and the conversion to and from the API (POST/PUT /api/v1/applications).
 *
 * The form keeps what the user typed as text. The amount is typed in yuan
 * (`amount_yuan`) and sent in fen (`amount_fen`).
 */
const v = require('./validate');
const { normalizeUscc } = require('./uscc');
const money = require('./money');

// The server's own limits (internal/application/service.go check(),
// ApplicationInput in internal/httpapi/openapi.yaml): characters as counted
// by utf8.RuneCountInString, i.e. code points.
const LIMITS = {
  enterprise_name: 100,
  purpose: 500,
  bank_name: 64,
};

// Bank account: 12-30 digits (`^[0-9]{12,30}$` on the server).
const BANK_ACCOUNT_DIGITS = { min: 12, max: 30 };

// jobs_created: 0-100000, optional.
const JOBS_MAX = 100000;

const BORROWER_OPTIONS = [
  { code: 'individual', label: '个人' },
  { code: 'enterprise', label: '小微企业' },
];

const TERM_OPTIONS = [
  { value: 12, label: '12个月（1年）' },
  { value: 24, label: '24个月（2年）' },
  { value: 36, label: '36个月（3年）' },
];

const SUBSIDY_FIELDS = ['bank_name', 'bank_account', 'contact_phone', 'jobs_created'];
const LOAN_FIELDS = ['borrower_type', 'enterprise_name', 'enterprise_uscc', 'amount_yuan', 'term_months',
  'purpose', 'bank_name', 'bank_account', 'contact_phone', 'jobs_created'];

/** Labels of the API fields, for server messages and reviewers' field comments. */
const FIELD_LABELS = {
  borrower_type: '借款人类型',
  enterprise_name: '企业名称',
  enterprise_uscc: '统一社会信用代码',
  amount_fen: '申请金额',
  term_months: '贷款期限',
  purpose: '贷款用途',
  bank_name: '开户银行',
  bank_account: '银行账号',
  contact_phone: '联系电话',
  jobs_created: '带动就业人数',
  attachments: '申请材料',
};

// API field names that differ from form keys.
const SERVER_TO_FORM = { amount_fen: 'amount_yuan' };

function emptyForm() {
  return {
    borrower_type: 'individual',
    enterprise_name: '',
    enterprise_uscc: '',
    amount_yuan: '',
    term_months: '',
    purpose: '',
    bank_name: '',
    bank_account: '',
    contact_phone: '',
    jobs_created: '',
  };
}

/** A stored draft's form with every key present and of the right type. */
function normalizeForm(raw) {
  const form = emptyForm();
  const src = raw && typeof raw === 'object' ? raw : {};
  Object.keys(form).forEach((key) => {
    const value = src[key];
    if (value !== undefined && value !== null) {
      form[key] = String(value);
    }
  });
  if (form.borrower_type !== 'enterprise') {
    form.borrower_type = 'individual';
  }
  return form;
}

function isLoan(policy) {
  return !!policy && (policy.kind === 'loan' || policy.code === 'guaranteed_loan');
}

function fieldsOf(policy) {
  return isLoan(policy) ? LOAN_FIELDS : SUBSIDY_FIELDS;
}

/** The amount cap in fen for the borrower type, or null when the policy has none. */
function capFen(policy, borrowerType) {
  if (!policy) {
    return null;
  }
  const cap = borrowerType === 'enterprise' ? policy.cap_enterprise_fen : policy.cap_individual_fen;
  return money.isFen(cap) && cap > 0 ? cap : null;
}

function capLabel(borrowerType) {
  return borrowerType === 'enterprise' ? '小微企业' : '个人';
}

const digitsOnly = (value) => String(value || '').replace(/[\s-]/g, '');

function bankAccountError(value) {
  const text = digitsOnly(value);
  if (!/^\d+$/.test(text)) {
    return '银行账号只能填数字，请对照银行卡或存折核对';
  }
  if (text.length < BANK_ACCOUNT_DIGITS.min || text.length > BANK_ACCOUNT_DIGITS.max) {
    return `银行账号应为${BANK_ACCOUNT_DIGITS.min}到${BANK_ACCOUNT_DIGITS.max}位数字（现在是${text.length}位），请对照银行卡或存折核对`;
  }
  return '';
}

function phoneError(value) {
  const text = digitsOnly(value).replace(/^\+?86/, '');
  return /^1[3-9]\d{9}$/.test(text) ? '' : '请填写11位手机号，例如：13812345678';
}

/**
 * The message for one field ('' when fine).
 * ctx: { policy, bankAccountOnFile, requireAll }. Without `requireAll` an
 * empty field is fine (saving a draft); with it, required fields must be filled.
 */
function fieldError(key, form, ctx) {
  const { policy, bankAccountOnFile, requireAll } = ctx || {};
  const value = form[key];
  const blank = v.isBlank(value);
  const loan = isLoan(policy);
  const enterprise = loan && form.borrower_type === 'enterprise';

  switch (key) {
    case 'borrower_type':
      return loan && ['individual', 'enterprise'].indexOf(value) < 0 ? '请选择借款人类型' : '';
    case 'enterprise_name':
      if (!enterprise) {
        return '';
      }
      return v.textError(value, { label: '企业名称', max: LIMITS.enterprise_name, required: requireAll });
    case 'enterprise_uscc':
      if (!enterprise || (blank && !requireAll)) {
        return '';
      }
      return v.usccError(value);
    case 'amount_yuan':
      if (!loan || (blank && !requireAll)) {
        return '';
      }
      return money.yuanError(value, {
        label: '申请金额',
        capFen: capFen(policy, form.borrower_type),
        capLabel: capLabel(form.borrower_type),
      });
    case 'term_months':
      if (!loan) {
        return '';
      }
      if (blank) {
        return requireAll ? '请选择贷款期限' : '';
      }
      return TERM_OPTIONS.some((t) => String(t.value) === String(value)) ? '' : '请重新选择贷款期限';
    case 'purpose':
      if (!loan) {
        return '';
      }
      return v.textError(value, { label: '贷款用途', max: LIMITS.purpose, required: requireAll });
    case 'bank_name':
      return v.textError(value, { label: '开户银行', max: LIMITS.bank_name, required: requireAll });
    case 'bank_account':
      if (blank) {
        return requireAll && !bankAccountOnFile ? '请填写银行账号' : '';
      }
      return bankAccountError(value);
    case 'contact_phone':
      // Optional: the server uses the phone bound through WeChat.
      return blank ? '' : phoneError(value);
    case 'jobs_created':
      // Optional on the server too.
      return v.integerError(value, { label: '带动就业人数', min: 0, max: JOBS_MAX });
    default:
      return '';
  }
}

/** All field errors for the policy: { key: message }. */
function validateForm(form, ctx) {
  const errors = {};
  fieldsOf(ctx && ctx.policy).forEach((key) => {
    const message = fieldError(key, form, ctx);
    if (message) {
      errors[key] = message;
    }
  });
  return errors;
}

/**
 * Required materials without an uploaded file: { kind: message }.
 * `files` are the uploads in the form: [{ kind, id }]; only uploaded ones count.
 */
function materialErrors(materials, files) {
  const errors = {};
  (materials || []).forEach((m) => {
    if (!m.required) {
      return;
    }
    const has = (files || []).some((f) => f.kind === m.kind && f.id);
    if (!has) {
      errors[m.kind] = `请上传${m.label || '这项材料'}`;
    }
  });
  return errors;
}

/**
 * The POST/PUT body for the form. A draft can be saved half filled: on
 * create, empty fields are left out; on update (PUT is a JSON merge patch:
 * fields left out keep their server value) an emptied field is sent as
 * null so the server clears it. `create` adds the policy code; `attachments`
 * are upload IDs (an update adds them). The masked account and phone on
 * file are never sent back, so when left empty they are left out.
 */
function toBody(form, policy, { attachments, create } = {}) {
  const body = {};
  if (create && policy) {
    body.policy = policy.code;
  }
  const put = (key, value) => {
    if (value !== '' && value !== null && value !== undefined) {
      body[key] = value;
    } else if (!create) {
      body[key] = null;
    }
  };
  const keepIfEmpty = (key, value) => {
    if (value !== '') {
      body[key] = value;
    }
  };
  if (isLoan(policy)) {
    body.borrower_type = form.borrower_type === 'enterprise' ? 'enterprise' : 'individual';
    if (body.borrower_type === 'enterprise') {
      put('enterprise_name', String(form.enterprise_name || '').trim());
      put('enterprise_uscc', normalizeUscc(form.enterprise_uscc));
    }
    const amount = money.parseYuan(form.amount_yuan);
    put('amount_fen', amount.error ? null : amount.fen);
    put('term_months', /^\d+$/.test(String(form.term_months || '')) ? Number(form.term_months) : null);
    put('purpose', String(form.purpose || '').trim());
  }
  put('bank_name', String(form.bank_name || '').trim());
  keepIfEmpty('bank_account', digitsOnly(form.bank_account));
  keepIfEmpty('contact_phone', digitsOnly(form.contact_phone).replace(/^\+?86(?=1\d{10}$)/, ''));
  const jobs = String(form.jobs_created || '').trim();
  put('jobs_created', /^\d+$/.test(jobs) ? Number(jobs) : null);
  body.attachments = (attachments || []).slice();
  return body;
}

/** The form for an application from the server. The account is masked there: left empty. */
function formFromApplication(app) {
  const a = app || {};
  const text = (value) => (value === null || value === undefined ? '' : String(value));
  const phone = text(a.contact_phone);
  return normalizeForm({
    borrower_type: a.borrower_type || 'individual',
    enterprise_name: text(a.enterprise_name),
    enterprise_uscc: text(a.enterprise_uscc),
    amount_yuan: money.fenToYuanText(a.amount_fen),
    term_months: text(a.term_months),
    purpose: text(a.purpose),
    bank_name: text(a.bank_name),
    bank_account: '',
    // A masked phone cannot be sent back either.
    contact_phone: phone.indexOf('*') >= 0 ? '' : phone,
    jobs_created: text(a.jobs_created),
  });
}

/** The form key for an API field name ('' when none). */
function formKeyOfServerField(field) {
  if (!field) {
    return '';
  }
  const key = SERVER_TO_FORM[field] || field;
  return Object.prototype.hasOwnProperty.call(emptyForm(), key) ? key : '';
}

/** The API field name for a form key. */
function serverFieldOf(key) {
  const hit = Object.keys(SERVER_TO_FORM).find((f) => SERVER_TO_FORM[f] === key);
  return hit || key;
}

/**
 * After a STALE_VERSION: fields the user has not touched since `base` (the
 * form as last loaded from the server) take the server's new value; fields
 * the user changed keep the user's text.
 */
function mergeEdits(base, mine, theirs) {
  const out = normalizeForm(mine);
  Object.keys(out).forEach((key) => {
    const untouched = String((base && base[key]) || '') === String((mine && mine[key]) || '');
    if (untouched && theirs && theirs[key] !== undefined) {
      out[key] = theirs[key];
    }
  });
  return out;
}

const TYPED_LABELS = { enterprise_name: '企业名称', purpose: '贷款用途', bank_name: '开户银行' };

/**
 * What is kept of a value as it is typed: text past the server's limit is
 * refused (cut at the limit) and `refused` says so with the limit.
 * Returns { value, refused } ('' when nothing was cut).
 */
function limitTyped(key, value) {
  const text = value === null || value === undefined ? '' : String(value);
  if (Object.prototype.hasOwnProperty.call(LIMITS, key)) {
    const chars = Array.from(text);
    if (chars.length > LIMITS[key]) {
      return {
        value: chars.slice(0, LIMITS[key]).join(''),
        refused: `${TYPED_LABELS[key]}最多${LIMITS[key]}个字，多出的字没有填进去`,
      };
    }
  }
  if (key === 'bank_account') {
    let digits = 0;
    let cut = text.length;
    for (let i = 0; i < text.length; i += 1) {
      if (/\d/.test(text[i])) {
        digits += 1;
        if (digits > BANK_ACCOUNT_DIGITS.max) {
          cut = i;
          break;
        }
      }
    }
    if (cut < text.length) {
      return {
        value: text.slice(0, cut).replace(/[\s-]+$/, ''),
        refused: `银行账号最多${BANK_ACCOUNT_DIGITS.max}位数字，多出的数字没有填进去`,
      };
    }
  }
  return { value: text, refused: '' };
}

/** The lines of the 确认提交 dialog: the amount (and term) and what happens next. */
function submitSummary(form, policy, amountText) {
  const lines = [];
  if (isLoan(policy)) {
    const amount = money.parseYuan(form.amount_yuan);
    if (!amount.error) {
      lines.push(`申请金额：${money.formatFen(amount.fen)}`);
    }
    if (form.term_months) {
      lines.push(`贷款期限：${form.term_months}个月`);
    }
  } else if (amountText) {
    lines.push(`补贴金额：${amountText}`);
  }
  lines.push('提交后要等审核，审核期间不能修改。确定提交吗？');
  return lines.join('\n');
}

/**
 * Reviewers' field comments split into those shown under a form field
 * ({ formKey: text }) and the others ([{ field, label, text }], e.g. attachments).
 */
function commentsByField(fieldComments) {
  const byField = {};
  const others = [];
  const src = fieldComments || {};
  Object.keys(src).forEach((field) => {
    const key = formKeyOfServerField(field);
    if (key) {
      byField[key] = src[field];
    } else {
      others.push({ field, label: FIELD_LABELS[field] || field, text: src[field] });
    }
  });
  return { fieldComments: byField, others };
}

/** Character counts of the limited text fields. */
function counts(form) {
  const out = {};
  Object.keys(LIMITS).forEach((key) => {
    out[key] = v.charCount(form[key]);
  });
  return out;
}

module.exports = {
  LIMITS,
  BANK_ACCOUNT_DIGITS,
  JOBS_MAX,
  limitTyped,
  submitSummary,
  commentsByField,
  BORROWER_OPTIONS,
  TERM_OPTIONS,
  FIELD_LABELS,
  emptyForm,
  normalizeForm,
  isLoan,
  fieldsOf,
  capFen,
  capLabel,
  fieldError,
  validateForm,
  materialErrors,
  toBody,
  formFromApplication,
  formKeyOfServerField,
  serverFieldOf,
  mergeEdits,
  counts,
};
