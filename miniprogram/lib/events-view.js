/**
 * Events (活动) as plain Chinese for pages/events: when, how many places
 * are left, what I have done and what I can do now.
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
  return {
    id: e.id,
    title: e.title || '',
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
  SIGNUP_ERRORS,
  NETWORK,
  whenText,
  eventView,
  signupErrorMessage,
};
