/**
 * Applications and policies as readable Chinese: status names and chips,
 * what each status means for the user, the timeline, the detail rows with
 * the reviewers' field comments, policy cards and the links in messages.
 */
const money = require('./money');
const { formatBeijingDateTime, formatDate } = require('./datetime');
const form = require('./application-form');

const STATUS = {
  draft: { label: '草稿', tone: 'grey', note: '还没有提交。填写完整后请点“提交申请”。' },
  submitted: { label: '已提交（待乡镇审核）', tone: 'blue', note: '已经提交，正在等乡镇审核。审核开始前可以撤回。' },
  township_approved: { label: '乡镇已通过（待区级审核）', tone: 'blue', note: '乡镇已审核通过，正在等区里审核。' },
  approved: { label: '已批准（待发放）', tone: 'green', note: '已经批准，正在安排发放资金。' },
  disbursed: { label: '已发放', tone: 'green', note: '资金已经发放，请留意银行卡到账。' },
  returned: { label: '退回修改', tone: 'orange', note: '需要修改：请按审核意见改好后，点“修改并重新提交”。' },
  rejected: { label: '未通过', tone: 'red', note: '没有通过审核，原因请看下面的办理记录。' },
  withdrawn: { label: '已撤回', tone: 'grey', note: '您已撤回这份申请。' },
};

const EDITABLE = ['draft', 'returned'];
const WITHDRAWABLE = ['draft', 'submitted', 'returned'];

const POLICY_NAMES = {
  startup_subsidy: '一次性创业补贴',
  guaranteed_loan: '创业担保贷款',
};

function statusLabel(status) {
  return (STATUS[status] && STATUS[status].label) || status || '';
}

function statusTone(status) {
  return (STATUS[status] && STATUS[status].tone) || 'grey';
}

function statusNote(status) {
  return (STATUS[status] && STATUS[status].note) || '';
}

function isEditable(status) {
  return EDITABLE.indexOf(status) >= 0;
}

function canWithdraw(status) {
  return WITHDRAWABLE.indexOf(status) >= 0;
}

function policyName(app, policies) {
  if (app && app.policy_name) {
    return app.policy_name;
  }
  const code = app && (app.policy || app.policy_code);
  const hit = (policies || []).find((p) => p.code === code);
  return (hit && hit.name) || POLICY_NAMES[code] || code || '';
}

function timeOf(item) {
  const t = Date.parse(item && item.at);
  return Number.isNaN(t) ? 0 : t;
}

/** The timeline newest first: [{ key, time, title, actor, comment, comments: [{label, text}] }]. */
function timelineView(timeline) {
  return (timeline || [])
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (timeOf(b.item) - timeOf(a.item)) || (b.index - a.index))
    .map(({ item, index }) => ({
      key: `t${index}`,
      to: item.to || '',
      tone: statusTone(item.to),
      time: formatBeijingDateTime(item.at),
      title: statusLabel(item.to),
      actor: item.actor || '',
      comment: item.comment || '',
      comments: fieldCommentList(item.field_comments),
    }));
}

/** [{ field, label, text }] from a field_comments object. */
function fieldCommentList(fieldComments) {
  const src = fieldComments && typeof fieldComments === 'object' ? fieldComments : {};
  return Object.keys(src).filter((k) => src[k]).map((field) => ({
    field,
    label: form.FIELD_LABELS[field] || field,
    text: String(src[field]),
  }));
}

/** The newest "returned" entry: { comment, fieldComments: {field: text}, time } or null. */
function lastReturn(app) {
  if (!app || app.status !== 'returned') {
    return null;
  }
  const entry = (app.timeline || [])
    .filter((t) => t.to === 'returned')
    .sort((a, b) => timeOf(b) - timeOf(a))[0];
  if (!entry) {
    return { comment: '', fieldComments: {}, time: '', actor: '' };
  }
  return {
    comment: entry.comment || '',
    fieldComments: Object.assign({}, entry.field_comments || {}),
    time: formatBeijingDateTime(entry.at),
    actor: entry.actor || '',
  };
}

// The way of an application through review, for <t-steps>.
const REVIEW_STEPS = [
  { title: '提交申请', content: '您填好并提交' },
  { title: '乡镇审核', content: '乡镇看材料' },
  { title: '区里审核', content: '区里批准' },
  { title: '发放资金', content: '打到您的账户' },
];

// status -> [the step it is at, that step's state]
const STEP_OF_STATUS = {
  draft: [0, 'process'],
  submitted: [1, 'process'],
  returned: [1, 'error'],
  township_approved: [2, 'process'],
  approved: [3, 'process'],
  disbursed: [3, 'finish'],
};

/**
 * Where the application is in review: { current, currentStatus, items }
 * for <t-steps>, or null when it left the way (rejected, withdrawn).
 * `items[i].content` says what happens there; at a returned application
 * the township step says it was sent back.
 */
function reviewSteps(status) {
  const at = STEP_OF_STATUS[status];
  if (!at) {
    return null;
  }
  const [current, currentStatus] = at;
  const items = REVIEW_STEPS.map((step, i) => {
    let content = step.content;
    if (i === current && currentStatus === 'error') {
      content = '退回给您修改';
    } else if (i === current && currentStatus === 'process' && i > 0) {
      content = '正在办';
    }
    return { title: step.title, content };
  });
  return { current, currentStatus, items };
}

const BORROWER_LABELS = { individual: '个人', enterprise: '小微企业' };

/**
 * The detail rows of an application: [{ field, label, value, comment }];
 * `comment` is the reviewer's note on that field when it was returned.
 */
function detailRows(app, fieldComments, policy) {
  const a = app || {};
  const comments = fieldComments || {};
  const loan = form.isLoan(policy) || a.policy === 'guaranteed_loan';
  const rows = [];
  const add = (field, value) => {
    rows.push({
      field,
      label: form.FIELD_LABELS[field] || field,
      value: value === null || value === undefined || value === '' ? '未填写' : String(value),
      comment: comments[field] || '',
    });
  };
  if (loan) {
    add('borrower_type', BORROWER_LABELS[a.borrower_type] || '');
    if (a.borrower_type === 'enterprise') {
      add('enterprise_name', a.enterprise_name);
      add('enterprise_uscc', a.enterprise_uscc);
    }
  }
  add('amount_fen', money.formatFen(a.amount_fen));
  if (loan) {
    add('term_months', a.term_months ? `${a.term_months}个月` : '');
    add('purpose', a.purpose);
  }
  add('bank_name', a.bank_name);
  add('bank_account', a.bank_account);
  add('contact_phone', a.contact_phone);
  add('jobs_created', a.jobs_created === null || a.jobs_created === undefined ? '' : `${a.jobs_created}人`);
  return rows;
}

/** Comments on fields that have no row (e.g. attachments or a material kind). */
function otherComments(fieldComments, rows) {
  const shown = (rows || []).map((r) => r.field);
  return fieldCommentList(fieldComments).filter((c) => shown.indexOf(c.field) < 0);
}

/** "已发放 5,000 元" block: { amount, date, reference } or null. */
function disbursementView(app) {
  const d = app && app.disbursement;
  if (!d) {
    return null;
  }
  return {
    amount: money.formatFen(d.amount_fen),
    date: formatDate(d.paid_on),
    reference: d.bank_reference || '',
  };
}

/** The list card of an application. */
function listItemView(app, policies) {
  const a = app || {};
  const when = a.updated_at || a.submitted_at || a.created_at;
  return {
    id: a.id,
    name: policyName(a, policies),
    status: a.status,
    statusLabel: statusLabel(a.status),
    tone: statusTone(a.status),
    amount: money.formatFen(a.amount_fen),
    time: formatBeijingDateTime(when),
  };
}

// ---- policies ---------------------------------------------------------

// What the user can do about an eligibility reason.
const REASON_ACTIONS = {
  NOT_REGISTERED: { text: '去返乡登记', url: '/pages/register/register' },
  BUSINESS_NOT_REGISTERED: { text: '去填写经营主体', url: '/pages/register/register' },
  NO_BUSINESS: { text: '去填写经营主体', url: '/pages/register/register' },
  ALREADY_GRANTED: { text: '查看我的申请', url: '/pages/applications/applications' },
  ALREADY_APPLIED: { text: '查看我的申请', url: '/pages/applications/applications' },
  LOAN_LIMIT_REACHED: { text: '查看我的申请', url: '/pages/applications/applications' },
};

const REASON_TEXT = {
  NOT_REGISTERED: '请先完成返乡登记',
  BUSINESS_NOT_REGISTERED: '您还没有登记营业执照（经营主体）',
  BUSINESS_TOO_OLD: '营业执照登记时间超过了申请期限',
  ALREADY_GRANTED: '您已经享受过这项补贴，每人只能领一次',
  LOAN_LIMIT_REACHED: '创业担保贷款最多只能获得3次，您已达到上限',
};

function reasonView(reason, index) {
  const r = reason || {};
  const action = REASON_ACTIONS[r.code] || null;
  return {
    key: `${r.code || 'reason'}-${index}`,
    code: r.code || '',
    text: r.message || REASON_TEXT[r.code] || '暂时不符合申请条件',
    actionText: action ? action.text : '',
    actionUrl: action ? action.url : '',
  };
}

/** A policy card: amounts, caps, times, materials and eligibility in plain words. */
function policyView(policy) {
  const p = policy || {};
  const loan = form.isLoan(p);
  const lines = [];
  if (money.isFen(p.amount_fen) && p.amount_fen > 0) {
    lines.push(`补贴金额：${money.formatFen(p.amount_fen)}`);
  }
  if (money.isFen(p.cap_individual_fen)) {
    lines.push(`个人最高：${money.formatFenWithWan(p.cap_individual_fen)}`);
  }
  if (money.isFen(p.cap_enterprise_fen)) {
    lines.push(`小微企业最高：${money.formatFenWithWan(p.cap_enterprise_fen)}`);
  }
  if (p.max_times) {
    let times = p.max_times === 1 ? '每人只能享受1次' : `每人最多${p.max_times}次`;
    if (typeof p.used_times === 'number') {
      times += `，您已获得${p.used_times}次`;
    }
    lines.push(times);
  }
  const eligibility = p.eligibility || {};
  const eligible = p.open !== false && eligibility.eligible === true;
  return {
    code: p.code,
    name: p.name || POLICY_NAMES[p.code] || p.code,
    description: p.description || '',
    loan,
    lines,
    materials: (p.materials || []).map((m) => ({ kind: m.kind, label: m.label, required: !!m.required })),
    open: p.open !== false,
    eligible,
    reasons: (eligibility.reasons || []).map(reasonView),
  };
}

// ---- message links ------------------------------------------------------

const KNOWN_PAGES = [
  'pages/index/index',
  'pages/register/register',
  'pages/record/record',
  'pages/survey/survey',
  'pages/policies/policies',
  'pages/apply/apply',
  'pages/applications/applications',
  'pages/application/application',
  'pages/messages/messages',
  // Notices and 政策找人 messages carry pages/policy/policy?id=<id>.
  'pages/library/library',
  'pages/policy/policy',
  'pages/stations/stations',
  'pages/events/events',
  // Appointments with mentors and consultations, for both sides (the server's
  // notify pages: pages/appointments/detail?id=N, pages/consultations/detail?id=N).
  'pages/appointments/appointments',
  'pages/appointments/detail',
  'pages/consultations/consultations',
  'pages/consultations/detail',
  'pages/mentor/mentor',
  // Requests (诉求): every step's message opens pages/request/request?id=N.
  'pages/requests/requests',
  'pages/request/request',
];

// Other spellings of the detail page that messages may carry.
const PAGE_ALIASES = {
  'pages/applications/detail': 'pages/application/application',
  'pages/application/detail': 'pages/application/application',
  'pages/applications/application': 'pages/application/application',
};

/**
 * The URL to open for a message ('' when it links nowhere we know):
 * its `page` when that is one of ours, otherwise the application it is about.
 */
function messageUrl(message) {
  const m = message || {};
  const raw = String(m.page || '').trim().replace(/^\/+/, '');
  if (raw) {
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;
    const query = q >= 0 ? raw.slice(q) : '';
    const target = PAGE_ALIASES[path] || path;
    if (KNOWN_PAGES.indexOf(target) >= 0) {
      return `/${target}${query}`;
    }
  }
  if (m.ref_type === 'application' && m.ref_id) {
    return `/pages/application/application?id=${encodeURIComponent(m.ref_id)}`;
  }
  if (m.ref_type === 'policy' && m.ref_id) {
    return `/pages/policy/policy?id=${encodeURIComponent(m.ref_id)}`;
  }
  return '';
}

module.exports = {
  REVIEW_STEPS,
  reviewSteps,
  STATUS,
  POLICY_NAMES,
  statusLabel,
  statusTone,
  statusNote,
  isEditable,
  canWithdraw,
  policyName,
  timelineView,
  fieldCommentList,
  lastReturn,
  detailRows,
  otherComments,
  disbursementView,
  listItemView,
  policyView,
  reasonView,
  messageUrl,
};
