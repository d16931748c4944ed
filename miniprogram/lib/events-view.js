/**
 * Events (活动) as plain Chinese for pages/events: what kind of activity,
 * when, the training hours it counts, how many places are left, what I have
 * done and what I can do now; the kind filter chips.
 */
const { formatBeijingDateTime } = require('./datetime');

const num = (value) => Number(value || 0).toLocaleString('en-US');

// Sign-up answers in plain words.
const SIGNUP_ERRORS = {
  EVENT_FULL: '名额已满，报不上了',
  SIGNUP_CLOSED: '活动已经开始了，不能再报名或取消报名',
  NOT_REGISTERED: '报名前要先做返乡登记，登记好了再来报名',
  NOT_FOUND: '这场活动已经取消或结束了',
};
const NETWORK = '网络不好，没有办成。请到信号好的地方再点一次';

// The activity kinds in the order of the filter chips (openapi UserEvent.kind);
// the names are used when the server sends no kind_name.
const KINDS = [
  { code: 'policy_talk', name: '政策宣讲' },
  { code: 'training', name: '创业培训' },
  { code: 'salon', name: '创业沙龙' },
  { code: 'roadshow', name: '项目路演' },
  { code: 'contest', name: '创业大赛' },
  { code: 'camp', name: '训练营' },
  { code: 'homecoming', name: '返校日' },
  { code: 'alumni', name: '校友活动' },
];
const ALL = { code: '', name: '全部' };

function kindName(code, given) {
  if (given) {
    return String(given);
  }
  const known = KINDS.find((k) => k.code === code);
  return known ? known.name : '';
}

/** Training minutes as hours the way the console writes them: 180 -> "3", 90 -> "1.5", 75 -> "1.25". */
function hoursText(minutes) {
  const m = Number(minutes);
  if (!Number.isFinite(m) || m <= 0) {
    return '';
  }
  return String(Math.round((m / 60) * 100) / 100);
}

/** "12月5日 14:00 至 17:00", or with both dates when it spans days. */
function whenText(startsAt, endsAt) {
  const start = formatBeijingDateTime(startsAt);
  const end = formatBeijingDateTime(endsAt);
  if (!start) {
    return '';
  }
  if (!end) {
    return start;
  }
  const [startDay, startTime] = start.split(' ');
  const [endDay, endTime] = end.split(' ');
  return startDay === endDay ? `${startDay} ${startTime} 至 ${endTime}` : `${start} 至 ${end}`;
}

/** An event as a card; what can be done now is what the server said (signup_open, checkin_open). */
function eventView(event) {
  const e = event || {};
  const limited = e.places_left !== null && e.places_left !== undefined;
  const left = limited ? Math.max(0, Number(e.places_left)) : null;
  const full = limited && left === 0;
  let placesText = '不限人数';
  if (full) {
    placesText = '名额已满';
  } else if (limited) {
    placesText = `还剩 ${num(left)} 个名额`;
  }
  let state = '';
  let stateTone = '';
  if (e.checked_in) {
    const at = formatBeijingDateTime(e.checked_in_at);
    state = at ? `已签到（${at}）` : '已签到';
    stateTone = 'green';
  } else if (e.signed_up) {
    state = '已报名';
    stateTone = 'blue';
  }
  // What the one button on the card does.
  let action = '';
  if (e.signup_open && e.signed_up && !e.checked_in) {
    action = 'cancel';
  } else if (e.signup_open && !e.signed_up && !full) {
    action = 'signup';
  } else if (e.signup_open && !e.signed_up && full) {
    action = 'full';
  } else if (e.checkin_open && !e.checked_in) {
    action = 'checkin';
  }
  const kind = typeof e.kind === 'string' ? e.kind : '';
  const hours = hoursText(e.training_minutes);
  return {
    id: e.id,
    title: e.title || '',
    kind,
    kindName: kindName(kind, e.kind_name),
    hoursText: hours ? `计 ${hours} 学时` : '',
    when: whenText(e.starts_at, e.ends_at),
    checkinWhen: e.checkin_opens_at ? `签到时间 ${whenText(e.checkin_opens_at, e.checkin_closes_at)}` : '',
    pointsText: Number(e.points) > 0 ? `到场签到可得 ${num(e.points)} 积分` : '',
    placesText,
    full,
    signedUp: !!e.signed_up,
    checkedIn: !!e.checked_in,
    state,
    stateTone,
    action,
    started: !e.signup_open,
  };
}

/**
 * The filter chips for a list of cards: 全部, then each kind present (in the
 * KINDS order, unknown kinds after them); only 全部 when fewer than two kinds
 * are present, since a filter would change nothing then.
 */
function kindChips(views) {
  const present = [];
  (views || []).forEach((v) => {
    if (v && v.kind && !present.some((k) => k.code === v.kind)) {
      present.push({ code: v.kind, name: v.kindName || v.kind });
    }
  });
  const rank = (code) => {
    const i = KINDS.findIndex((k) => k.code === code);
    return i < 0 ? KINDS.length : i;
  };
  present.sort((a, b) => rank(a.code) - rank(b.code));
  return present.length < 2 ? [ALL] : [ALL].concat(present);
}

function signupErrorMessage(err) {
  if (err && (err.code === 'NETWORK_ERROR' || err.code === 'NETWORK_TIMEOUT' || err.status >= 500)) {
    return NETWORK;
  }
  if (err && SIGNUP_ERRORS[err.code]) {
    return SIGNUP_ERRORS[err.code];
  }
  if (err && err.status === 404) {
    return SIGNUP_ERRORS.NOT_FOUND;
  }
  return (err && err.message) || NETWORK;
}

module.exports = {
  KINDS,
  SIGNUP_ERRORS,
  NETWORK,
  whenText,
  eventView,
  hoursText,
  kindChips,
  signupErrorMessage,
};
