/**
 * The policy library (政策清单) in plain words: list cards, the detail's
 * conditions (✓ 符合 / ✗ 不符合 / 待补充信息), dates, contact phone.
 */
const { formatDate, todayBeijing } = require('./datetime');

const TARGETS = {
  returnee: '返乡人员',
  alumnus: '校友',
  merchant: '商户',
  enterprise: '企业',
};

const CONDITION_STATES = {
  met: { mark: '✓', label: '符合', tone: 'met' },
  unmet: { mark: '✗', label: '不符合', tone: 'unmet' },
  unknown: { mark: '?', label: '待补充信息', tone: 'unknown' },
};

const FITS = {
  yes: '按您登记的信息，您符合这项政策的条件。',
  no: '按您登记的信息，您暂时不符合这项政策的全部条件。',
  unknown: '有些条件还要您补充信息才能判断。',
};

/** "有效期至 2027年12月31日", "已于 …截止" or "长期有效". */
function expiryText(expiresOn, today) {
  if (!expiresOn) {
    return '长期有效';
  }
  const day = formatDate(expiresOn) || expiresOn;
  if (expiresOn < (today || todayBeijing())) {
    return `已于 ${day} 截止`;
  }
  return `有效期至 ${day}`;
}

function categoryNames(categories) {
  const names = {};
  (categories || []).forEach((c) => {
    if (c && c.code) names[c.code] = c.name || c.code;
  });
  return names;
}

/** A list card. */
function cardView(item, names, today) {
  const p = item || {};
  return {
    id: p.id,
    title: p.title || '',
    category: (names && names[p.category]) || p.category || '',
    summary: p.summary || '',
    expiry: expiryText(p.expires_on, today),
    expired: !!(p.expires_on && p.expires_on < (today || todayBeijing())),
    targets: (p.targets || []).map((t) => TARGETS[t] || t).join('、'),
  };
}

/** A phone number as WeChat's makePhoneCall takes it: digits only ('' when none). */
function dialable(phone) {
  const digits = String(phone || '').replace(/[\s-]/g, '');
  return /^[0-9]{6,20}$/.test(digits) ? digits : '';
}

function conditionView(c, index) {
  const state = CONDITION_STATES[c && c.state] || CONDITION_STATES.unknown;
  return {
    key: index,
    text: (c && c.text) || '',
    mark: state.mark,
    label: state.label,
    tone: state.tone,
    unknown: state.tone === 'unknown',
  };
}

/** The detail page's view of GET /api/v1/policy-library/{id}. */
function policyView(p, names, today) {
  const policy = p || {};
  const conditions = (policy.conditions || []).map(conditionView);
  const steps = (policy.steps || []).filter(Boolean);
  return {
    id: policy.id,
    title: policy.title || '',
    docNo: policy.doc_no || '',
    issuer: policy.issuer || '',
    category: (names && names[policy.category]) || policy.category || '',
    targets: (policy.targets || []).map((t) => TARGETS[t] || t).join('、'),
    summary: policy.summary || '',
    conditions,
    hasUnknown: conditions.some((c) => c.unknown),
    conditionsText: policy.conditions_text || '',
    fitsText: FITS[policy.fits] || '',
    fits: policy.fits || '',
    benefits: policy.benefits || '',
    materials: (policy.materials || []).filter(Boolean),
    steps: steps.map((s, i) => ({ key: i, title: `第${i + 1}步`, content: s })),
    bodyHtml: policy.body_html || '',
    contactDept: policy.contact_dept || '',
    contactPhone: policy.contact_phone || '',
    dialPhone: dialable(policy.contact_phone),
    effective: policy.effective_on ? `${formatDate(policy.effective_on) || policy.effective_on} 起施行` : '',
    expiry: expiryText(policy.expires_on, today),
    sourceUrl: policy.source_url || '',
    applicationCode: policy.application_code || '',
    favorite: !!policy.favorite,
    documents: (policy.documents || []).filter((d) => d && d.id).map((d) => ({
      id: d.id,
      name: d.name || '政策文件.pdf',
      sizeText: sizeText(d.size),
      url: d.url || '',
      url_expires_at: d.url_expires_at || '',
    })),
  };
}

/** "320 KB", "1.2 MB" ('' for none). */
function sizeText(bytes) {
  const n = Number(bytes);
  if (!n || n < 0) {
    return '';
  }
  if (n < 1024 * 1024) {
    return `${Math.max(1, Math.round(n / 1024))} KB`;
  }
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

module.exports = {
  TARGETS,
  CONDITION_STATES,
  FITS,
  expiryText,
  categoryNames,
  cardView,
  dialable,
  conditionView,
  policyView,
};
