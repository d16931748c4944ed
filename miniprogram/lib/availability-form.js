/**
 * 可预约时间 (pages/mentor/availability): the mentor's weekly windows
 * (Beijing time, quarter hours, no overlaps on a day, the end after the
 * start; "24:00" ends a day) and the date ranges off, as the page edits them
 * and as PUT /api/v1/mentor/availability takes them — with the server's
 * checks (internal/mentor/slots.go) done first, in plain words.
 */
const { isDate } = require('./datetime');
const { charCount } = require('./validate');

const WEEKDAY_NAMES = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const NOTE_MAX = 100;
const MAX_WINDOWS = 50;
const MAX_EXCEPTIONS = 50;

const pad = (n) => (n < 10 ? `0${n}` : String(n));
// "00:00", "00:15", … "24:00"
const TIMES = Array.from({ length: 97 }, (_, i) => `${pad(Math.floor(i / 4))}:${pad((i % 4) * 15)}`);
const START_TIMES = TIMES.slice(0, 96);
const END_TIMES = TIMES.slice(1);

let seq = 0;
const nextKey = () => {
  seq += 1;
  return `w${seq}`;
};

/** The page's form from the server's availability. */
function fromAvailability(a) {
  const days = WEEKDAY_NAMES.slice(1).map((name, i) => ({ weekday: i + 1, name, windows: [] }));
  ((a && a.weekly) || []).forEach((w) => {
    const day = days[Number(w.weekday) - 1];
    if (day) {
      day.windows.push({ key: nextKey(), start: w.start, end: w.end });
    }
  });
  days.forEach((d) => d.windows.sort((x, y) => (x.start < y.start ? -1 : 1)));
  const exceptions = ((a && a.exceptions) || []).map((x) => ({
    key: nextKey(), from: x.from, to: x.to, note: x.note || '',
  }));
  return { days, exceptions };
}

/** A window the page adds to a day: after the last one, one hour, or 09:00–12:00. */
function newWindow(day) {
  const last = day.windows[day.windows.length - 1];
  if (!last) {
    return { key: nextKey(), start: '09:00', end: '12:00' };
  }
  const from = Math.min(TIMES.indexOf(last.end), 92);
  return { key: nextKey(), start: TIMES[from], end: TIMES[Math.min(from + 4, 96)] };
}

/** What is wrong, in plain words ('' when nothing). */
function problems(form) {
  let count = 0;
  for (let d = 0; d < form.days.length; d += 1) {
    const day = form.days[d];
    const sorted = day.windows.slice().sort((x, y) => (x.start < y.start ? -1 : 1));
    count += sorted.length;
    for (let i = 0; i < sorted.length; i += 1) {
      const w = sorted[i];
      if (TIMES.indexOf(w.start) < 0 || TIMES.indexOf(w.end) < 0) {
        return `${day.name}的时间要按 15 分钟选`;
      }
      if (w.start >= w.end) {
        return `${day.name} ${w.start}–${w.end}：结束时间要晚于开始时间`;
      }
      if (i > 0 && w.start < sorted[i - 1].end) {
        return `${day.name}的两个时段重叠了，请改一下`;
      }
    }
  }
  if (count > MAX_WINDOWS) {
    return `每周时段最多${MAX_WINDOWS}个`;
  }
  if (form.exceptions.length > MAX_EXCEPTIONS) {
    return `不可预约的日期段最多${MAX_EXCEPTIONS}个`;
  }
  for (let i = 0; i < form.exceptions.length; i += 1) {
    const x = form.exceptions[i];
    if (!isDate(x.from) || !isDate(x.to)) {
      return '请选好不可预约的开始和结束日期';
    }
    if (x.to < x.from) {
      return `${x.from} 到 ${x.to}：结束日期不能早于开始日期`;
    }
    if (charCount(String(x.note || '').trim()) > NOTE_MAX) {
      return `说明最多${NOTE_MAX}个字`;
    }
  }
  return '';
}

/** The PUT body. */
function toAvailability(form) {
  const weekly = [];
  form.days.forEach((d) => d.windows.forEach((w) => weekly.push({ weekday: d.weekday, start: w.start, end: w.end })));
  return {
    weekly,
    exceptions: form.exceptions.map((x) => {
      const out = { from: x.from, to: x.to };
      const note = String(x.note || '').trim();
      if (note) {
        out.note = note;
      }
      return out;
    }),
  };
}

module.exports = {
  WEEKDAY_NAMES,
  NOTE_MAX,
  TIMES,
  START_TIMES,
  END_TIMES,
  fromAvailability,
  newWindow,
  problems,
  toAvailability,
};
