/**
 * Dates shown to users are in Beijing time (UTC+8 all year, no DST), whatever
 * the phone's own time zone.
 */
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

const pad = (n) => (n < 10 ? `0${n}` : String(n));

function beijingParts(date) {
  const shifted = new Date(date.getTime() + BEIJING_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
  };
}

/** Today's date in Beijing as YYYY-MM-DD. */
function todayBeijing(now) {
  const p = beijingParts(now || new Date());
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** "2026年11月28日 14:00" for an ISO timestamp; '' when missing or unparseable. */
function formatBeijingDateTime(iso) {
  if (!iso) {
    return '';
  }
  const time = Date.parse(iso);
  if (Number.isNaN(time)) {
    return '';
  }
  const p = beijingParts(new Date(time));
  return `${p.year}年${p.month}月${p.day}日 ${pad(p.hour)}:${pad(p.minute)}`;
}

/** "2027年12月31日" (Beijing date) for an ISO timestamp; '' when missing or unparseable. */
function formatBeijingDate(iso) {
  if (!iso) {
    return '';
  }
  const time = Date.parse(iso);
  if (Number.isNaN(time)) {
    return '';
  }
  const p = beijingParts(new Date(time));
  return `${p.year}年${p.month}月${p.day}日`;
}

/** "2025年2月1日" for YYYY-MM-DD; the input unchanged when it is not such a date. */
function formatDate(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  if (!m) {
    return value || '';
  }
  return `${m[1]}年${Number(m[2])}月${Number(m[3])}日`;
}

/** Whether the text is a real calendar date written YYYY-MM-DD. */
function isDate(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  if (!m) {
    return false;
  }
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCFullYear() === Number(m[1])
    && date.getUTCMonth() === Number(m[2]) - 1
    && date.getUTCDate() === Number(m[3]);
}

module.exports = {
  todayBeijing,
  formatBeijingDateTime,
  formatBeijingDate,
  formatDate,
  isDate,
};
