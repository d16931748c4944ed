/**
 * 创业导师, 预约 and 问诊 in plain words: service modes, statuses, fields
 * by their labels, open slots grouped by Beijing day, appointment times,
 * and the errors of booking and of the actions on an appointment.
 */
const { absoluteUrl } = require('./file-viewer');

const MODE_LABELS = {
  online: '线上视频',
  phone: '电话',
  in_person: '到服务网点面谈',
};

const APPOINTMENT_STATUS = {
  requested: '等导师确认',
  confirmed: '已确认',
  declined: '导师没有接受',
  cancelled: '已取消',
  attended: '已完成',
  no_show: '没有到场',
};

const CONSULTATION_STATUS = {
  waiting: '等工作人员安排导师',
  assigned: '等导师回复',
  answered: '导师已回复',
  closed: '已结束',
};

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
// Monday first, as the server counts them (weekday 1 = Monday).
const WEEKDAY_NAMES = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;
const pad = (n) => (n < 10 ? `0${n}` : String(n));

/** { date: 'YYYY-MM-DD', month, day, weekday (0 = Sunday), time: 'HH:MM' } in Beijing, or null. */
function beijing(iso) {
  const t = Date.parse(iso || '');
  if (Number.isNaN(t)) {
    return null;
  }
  const d = new Date(t + BEIJING_OFFSET_MS);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
  };
}

/** "12月7日 周一" */
function dayLabel(p) {
  return `${p.month}月${p.day}日 ${WEEKDAYS[p.weekday]}`;
}

/** "12月7日 周一 09:00–10:00" for an appointment or a slot. */
function timeRange(start, end) {
  const a = beijing(start);
  if (!a) {
    return '';
  }
  const b = beijing(end);
  return `${dayLabel(a)} ${a.time}${b ? `–${b.time}` : ''}`;
}

/** "12月7日 14:05" (a message's time). */
function shortDateTime(iso) {
  const p = beijing(iso);
  return p ? `${p.month}月${p.day}日 ${p.time}` : '';
}

/** Open slots by Beijing day: [{ date, label, slots: [{ start, end, time }] }]. */
function slotDays(slots) {
  const days = [];
  const byDate = {};
  (slots || []).forEach((s) => {
    const p = beijing(s && s.start);
    if (!p) {
      return;
    }
    if (!byDate[p.date]) {
      byDate[p.date] = { date: p.date, label: dayLabel(p), slots: [] };
      days.push(byDate[p.date]);
    }
    const e = beijing(s.end);
    byDate[p.date].slots.push({ start: s.start, end: s.end, time: e ? `${p.time}–${e.time}` : p.time });
  });
  days.sort((x, y) => (x.date < y.date ? -1 : 1));
  return days;
}

const modeLabel = (mode) => MODE_LABELS[mode] || mode || '';
const modesText = (modes) => (modes || []).map(modeLabel).filter(Boolean).join('、');

/** Labels of intended_field codes, from the option list [{ code, label }]. */
function fieldsText(codes, options) {
  const labels = {};
  (options || []).forEach((o) => {
    labels[o.code] = o.label;
  });
  return (codes || []).map((c) => labels[c] || c).join('、');
}

/** What a mentor's card shows. */
function mentorCard(m, fieldOptions) {
  return {
    id: m.id,
    name: m.name || '',
    // The server may sign a path without its host (HX_UPLOAD_URL_BASE empty).
    photo: absoluteUrl(m.photo_url || ''),
    org: [m.organisation, m.title].filter(Boolean).join(' · '),
    fields: fieldsText(m.fields, fieldOptions),
    modes: modesText(m.modes),
    bio: m.bio || '',
  };
}

/** What an appointment's card (or header) shows. */
function appointmentCard(a) {
  return {
    id: a.id,
    mentorName: a.mentor_name || '',
    bookerName: a.booker_name || '（没有登记姓名）',
    time: timeRange(a.start, a.end),
    mode: modeLabel(a.mode),
    topic: a.topic || '',
    status: a.status,
    statusText: APPOINTMENT_STATUS[a.status] || a.status || '',
  };
}

/** Stars as text: "★★★★☆ 4星". */
function starsText(stars) {
  const n = Number(stars) || 0;
  return n ? `${'★'.repeat(n)}${'☆'.repeat(5 - n)} ${n}星` : '';
}

/** The message for a failed booking and what the page does next. */
function bookingProblem(err) {
  switch (err && err.code) {
    case 'SLOT_TAKEN':
      return { message: '这个时间刚被别人约走了，请换一个时间。可约时间已经刷新。', reload: true };
    case 'SLOT_INVALID':
      return { message: '这个时间现在不能约了（离开始不到2小时，或导师调整了时间），请换一个时间。可约时间已经刷新。', reload: true };
    case 'TOO_MANY_APPOINTMENTS':
      return { message: '您已经有2个还没到时间的预约了，同时最多只能约2个。等其中一个结束或取消后再约。', mine: true };
    case 'MENTOR_FULL':
      return { message: '这位导师这一周已经约满了，请选下一周的时间，或者换一位导师。' };
    case 'NOT_FOUND':
      return { message: '这位导师现在不接受预约了，请换一位导师。' };
    default:
      if (err && err.status === 0) {
        return { message: '手机没有连上网络，没有约成功。请检查信号后再点“预约”。' };
      }
      return { message: (err && err.status && err.message) || '没有约成功，请稍后再试' };
  }
}

/** The message for a failed action on an appointment (either side). */
function actionProblem(err) {
  switch (err && err.code) {
    case 'TOO_LATE_TO_CANCEL':
      return '开始前 2 小时内不能取消。如有急事，请直接联系对方。';
    case 'TOO_EARLY':
      return '预约还没开始，开始以后才能登记是否到场。';
    case 'INVALID_TRANSITION':
      return '这个预约的状态已经变了，已为您刷新。';
    case 'ALREADY_RATED':
      return '您已经评价过了。';
    default:
      if (err && err.status === 0) {
        return '手机没有连上网络，请检查信号后再点一次。';
      }
      return (err && err.status && err.message) || '没有办成，请稍后再试';
  }
}

module.exports = {
  MODE_LABELS,
  APPOINTMENT_STATUS,
  CONSULTATION_STATUS,
  WEEKDAY_NAMES,
  beijing,
  timeRange,
  shortDateTime,
  slotDays,
  modeLabel,
  modesText,
  fieldsText,
  mentorCard,
  appointmentCard,
  starsText,
  bookingProblem,
  actionProblem,
};
