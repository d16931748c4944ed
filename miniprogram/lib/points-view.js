/**
 * Points, perks and vouchers as plain Chinese for the pages.
 */
const { formatBeijingDate, formatBeijingDateTime } = require('./datetime');

const CATEGORIES = [
  { code: 'education', label: '教育' },
  { code: 'culture_tourism', label: '文化旅游' },
  { code: 'startup_space', label: '创业空间' },
  { code: 'procurement', label: '采购推荐' },
  { code: 'other', label: '其他' },
];

const REASONS = {
  grant: '获得积分',
  reverse: '积分更正',
  redeem: '兑换权益',
  refund: '取消兑换，积分退回',
  expire: '积分到期',
};

const VOUCHER_STATUS = {
  issued: { label: '可使用', tone: 'green' },
  used: { label: '已使用', tone: 'grey' },
  cancelled: { label: '已取消', tone: 'grey' },
  expired: { label: '已过期', tone: 'grey' },
};

// 409s of redemption in plain words.
const REDEEM_ERRORS = {
  INSUFFICIENT_POINTS: '您的积分不够兑换这项权益',
  OUT_OF_STOCK: '这项权益已经兑完了，请看看其他权益',
  LIMIT_REACHED: '这项权益每人能兑换的次数您已用完',
  PERK_UNAVAILABLE: '这项权益现在不在兑换时间内',
  NOT_REGISTERED: '兑换前要先做返乡登记，登记好了再来兑换',
};

const num = (value) => Number(value || 0).toLocaleString('en-US');

function categoryLabel(code) {
  const hit = CATEGORIES.find((c) => c.code === code);
  return hit ? hit.label : '其他';
}

/** "1,200" with a sign for a ledger delta: "+200" / "-500". */
function signed(delta) {
  const n = Number(delta || 0);
  return `${n > 0 ? '+' : n < 0 ? '-' : ''}${num(Math.abs(n))}`;
}

/** A ledger entry as a list row. */
function entryView(entry) {
  const e = entry || {};
  const delta = Number(e.delta || 0);
  return {
    id: e.id,
    title: REASONS[e.reason_code] || '积分变动',
    note: e.note || '',
    delta: signed(delta),
    positive: delta > 0,
    time: formatBeijingDateTime(e.created_at),
    balanceAfter: num(e.balance_after),
    expires: delta > 0 && e.expires_at ? `${formatBeijingDate(e.expires_at)}到期` : '',
  };
}

/** What expires soon: [{ points: "200", date: "2027年12月31日" }]. */
function expiringView(list) {
  return (list || []).filter((x) => Number(x.points) > 0).map((x) => ({
    points: num(x.points),
    date: formatBeijingDate(x.expires_at),
  }));
}

/** A perk card; `balance` decides whether the user can afford it. */
function perkView(perk, balance) {
  const p = perk || {};
  const stock = p.stock === null || p.stock === undefined ? null : Number(p.stock);
  const limit = p.per_person_limit === null || p.per_person_limit === undefined ? null : Number(p.per_person_limit);
  const price = Number(p.points_price || 0);
  return {
    id: p.id,
    name: p.name || '',
    category: p.category || 'other',
    categoryLabel: categoryLabel(p.category),
    provider: p.provider_name || p.provider || p.provider_code || '',
    price,
    priceText: num(price),
    stockText: stock === null ? '不限量' : stock > 0 ? `剩余 ${num(stock)} 份` : '已兑完',
    soldOut: stock !== null && stock <= 0,
    limitText: limit === null ? '每人不限次数' : `每人限兑 ${limit} 次`,
    validText: p.valid_until ? `兑换截止 ${formatBeijingDate(p.valid_until)}` : '',
    description: p.description || '',
    picture: p.picture_url || '',
    affordable: balance === null || balance === undefined || Number(balance) >= price,
  };
}

/** "ABCD EFGH JKMN": the code in groups of 4, easier to read aloud. */
function groupCode(code) {
  return String(code || '').replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * A voucher card. An issued voucher past its expiry (the nightly job has not
 * caught up yet) is shown as expired.
 */
function voucherView(voucher, now) {
  const v = voucher || {};
  let status = v.status || 'issued';
  const expiresAt = Date.parse(v.expires_at || '');
  if (status === 'issued' && !Number.isNaN(expiresAt) && expiresAt <= (now || Date.now())) {
    status = 'expired';
  }
  const known = VOUCHER_STATUS[status] || { label: status, tone: 'grey' };
  let when = '';
  if (status === 'used' && v.used_at) {
    when = `${formatBeijingDateTime(v.used_at)} 已使用`;
  } else if (status === 'cancelled' && v.cancelled_at) {
    when = `${formatBeijingDateTime(v.cancelled_at)} 已取消，积分已退回`;
  } else if (v.expires_at) {
    when = `有效期至 ${formatBeijingDateTime(v.expires_at)}`;
  }
  return {
    id: v.id,
    perkName: v.perk_name || '',
    code: v.code || '',
    codeText: groupCode(v.code),
    qr: v.qr || (v.code ? `huixiang:voucher:${v.code}` : ''),
    status,
    statusLabel: known.label,
    tone: known.tone,
    usable: status === 'issued',
    points: num(v.points_spent),
    issued: formatBeijingDateTime(v.issued_at),
    when,
  };
}

function redeemErrorMessage(err) {
  return REDEEM_ERRORS[err && err.code] || (err && err.message) || '兑换没有成功，请稍后再试';
}

module.exports = {
  CATEGORIES,
  REASONS,
  VOUCHER_STATUS,
  REDEEM_ERRORS,
  num,
  categoryLabel,
  signed,
  entryView,
  expiringView,
  perkView,
  groupCode,
  voucherView,
  redeemErrorMessage,
};
