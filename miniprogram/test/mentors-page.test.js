/**
 * 创业导师 (pages/mentors/mentors) and 导师介绍 (pages/mentors/detail?id=)
 * rendered with miniprogram-simulate: the list's states and field chips,
 * the profile with open slots grouped by Beijing day, booking (the body
 * sent, only the mentor's modes), each booking error in plain words
 * (SLOT_TAKEN reloads the slots, TOO_MANY_APPOINTMENTS leads to 我的预约),
 * 向TA提问; the entries on 办事 and 我的 (导师工作台 for mentors only).
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, simulate,
} = require('./helpers/page');

const simulateWx = global.wx;
let fake;
let opened = [];

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
  fake.route('GET', '/api/v1/options', {
    statusCode: 200,
    data: { intended_field: [{ code: 'ecommerce', label: '电子商务' }, { code: 'tea', label: '茶叶种植加工' }] },
  });
});

afterEach(async () => {
  opened.forEach((page) => {
    try {
      page.detach();
    } catch (e) {
      // already closed
    }
  });
  opened = [];
  await simulate.sleep(20);
  global.wx = simulateWx;
});

function open(name, query) {
  const page = mountPage(name, query);
  opened.push(page);
  return page;
}

const loaded = (p) => !find(p, '#state >>> #state-loading');

const MENTOR = {
  id: 4,
  name: '王导师',
  fields: ['ecommerce', 'tea'],
  organisation: '咸安区电商协会',
  title: '会长',
  bio: '十年农村电商经验',
  photo_url: 'https://files.test/m4.jpg',
  modes: ['online', 'phone'],
  slot_minutes: 60,
};

const SLOTS = [
  { start: '2026-12-07T09:00:00+08:00', end: '2026-12-07T10:00:00+08:00' },
  { start: '2026-12-07T10:00:00+08:00', end: '2026-12-07T11:00:00+08:00' },
  { start: '2026-12-08T14:00:00+08:00', end: '2026-12-08T15:00:00+08:00' },
];

describe('pages/mentors/mentors: the list', () => {
  test('cards with photo, name, organisation, fields by label, modes; tap opens the detail', async () => {
    fake.route('GET', '/api/v1/mentors', { statusCode: 200, data: { items: [MENTOR] } });
    const page = open('mentors');
    await settle(page, (p) => loaded(p) && text(p, '#mentor-4-fields') === '擅长：电子商务、茶叶种植加工', 'loaded');
    expect(text(page, '#mentor-4-name')).toBe('王导师');
    expect(text(page, '#mentor-4-org')).toBe('咸安区电商协会 · 会长');
    expect(text(page, '#mentor-4-modes')).toBe('方式：线上视频、电话');
    expect(find(page, '#mentor-4-photo')).toBeTruthy();
    expect(page.instance.data.items[0].photo).toBe('https://files.test/m4.jpg');
    await tap(page, '#mentor-4');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/mentors/detail?id=4' }));
  });

  test('a photo signed as a path is loaded from the API server; a broken one gives way to the name', async () => {
    fake.route('GET', '/api/v1/mentors', { statusCode: 200, data: { items: [Object.assign({}, MENTOR, { photo_url: '/api/v1/files/p4?exp=1&sig=x' })] } });
    const page = open('mentors');
    await settle(page, (p) => find(p, '#mentor-4-photo'), 'photo');
    expect(page.instance.data.items[0].photo).toBe('http://127.0.0.1:8080/api/v1/files/p4?exp=1&sig=x');
    page.instance.onPhotoError({ currentTarget: { dataset: { id: 4 } } });
    await settle(page, (p) => !find(p, '#mentor-4-photo'), 'no photo');
  });

  test('a field chip asks the server for that field; none there: said so', async () => {
    fake.route('GET', '/api/v1/mentors', (opts) => ({
      statusCode: 200,
      data: { items: opts.data && opts.data.field === 'tea' ? [] : [MENTOR] },
    }));
    const page = open('mentors');
    await settle(page, (p) => find(p, '#field-tea'), 'chips');
    await tap(page, '#field-tea');
    await settle(page, (p) => find(p, '#state >>> #state-empty'), 'empty');
    expect(text(page, '#state >>> #state-empty')).toBe('这个领域暂时没有导师，可以看看“全部”');
    const calls = fake.calls('GET', '/api/v1/mentors');
    expect(calls[calls.length - 1].data).toEqual({ field: 'tea' });
    await tap(page, '#field-all');
    await settle(page, (p) => find(p, '#mentor-4'), 'all again');
  });

  test('error with 重试', async () => {
    fake.route('GET', '/api/v1/mentors', { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: { items: [] } });
    const page = open('mentors');
    await settle(page, (p) => find(p, '#state >>> #state-error'), 'error');
    expect(text(page, '#state >>> #state-retry')).toBe('重试');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#state >>> #state-empty'), 'empty');
    expect(text(page, '#state >>> #state-empty')).toBe('暂时没有导师');
  });
});

describe('pages/mentors/detail: profile, slots, booking', () => {
  const DETAIL = '/api/v1/mentors/4';
  const BOOK = '/api/v1/appointments';

  async function openDetail(slots = SLOTS, extra = {}) {
    fake.route('GET', DETAIL, { statusCode: 200, data: Object.assign({}, MENTOR, { slots }, extra) });
    const page = open('pages/mentors/detail', { id: '4' });
    await settle(page, (p) => loaded(p) && find(p, '#name'), 'profile');
    return page;
  }

  test('slots grouped by Beijing day; only the mentor\'s modes; the body sent; 已预约', async () => {
    fake.route('POST', BOOK, {
      statusCode: 201,
      data: {
        id: 31, mentor_id: 4, mentor_name: '王导师', start: SLOTS[1].start, end: SLOTS[1].end, mode: 'phone', topic: '网店怎么起步', status: 'requested',
      },
    });
    const page = await openDetail();
    expect(text(page, '#bio')).toBe('十年农村电商经验');
    expect(text(page, '#day-2026-12-07')).toContain('12月7日 周一');
    expect(text(page, '#slot-2026-12-07-0')).toBe('09:00–10:00');
    expect(text(page, '#slot-2026-12-08-0')).toBe('14:00–15:00');
    expect(find(page, '#mode-online')).toBeTruthy();
    expect(find(page, '#mode-in_person')).toBeFalsy();

    await tap(page, '#book-btn');
    expect(text(page, '#form-error')).toBe('请先选一个时间');
    await tap(page, '#slot-2026-12-07-1');
    await tap(page, '#mode-phone');
    await tap(page, '#book-btn');
    expect(text(page, '#form-error')).toBe('请写上想聊什么，导师好提前准备');
    await type(page, '#topic', ' 网店怎么起步 ');
    expect(text(page, '#picked')).toBe('已选：12月7日 周一 10:00–11:00');
    await tap(page, '#book-btn');
    await settle(page, (p) => find(p, '#done'), 'booked');
    expect(fake.calls('POST', BOOK)[0].data).toEqual({
      mentor_id: 4, start: '2026-12-07T10:00:00+08:00', mode: 'phone', topic: '网店怎么起步',
    });
    expect(text(page, '#done-title')).toBe('已预约，等导师确认');
    await tap(page, '#open-booked');
    expect(fake.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/appointments/detail?id=31' }));
  });

  // The 消息推送 settings: the notice template also carries the reminders.
  const SETTINGS = '/api/v1/me/notification-settings';
  const NOTICE = 'TMPL_NOTICE';
  const settings = (over) => ({
    statusCode: 200,
    data: Object.assign({
      pushes_enabled: true, notice_template_id: NOTICE, notice_consent: 'none', notice_remaining: 0, quiet_hours: { from: '22:00', to: '08:00' }, weekly_cap: 3,
    }, over),
  });

  async function book() {
    fake.route('POST', BOOK, {
      statusCode: 201,
      data: {
        id: 31, mentor_id: 4, mentor_name: '王导师', start: SLOTS[0].start, end: SLOTS[0].end, mode: 'online', topic: '网店怎么起步', status: 'requested',
      },
    });
    const page = await openDetail();
    await settle(page, () => fake.calls('GET', SETTINGS).length === 1, 'settings read');
    await tap(page, '#slot-2026-12-07-0');
    await tap(page, '#mode-online');
    await type(page, '#topic', '网店怎么起步');
    await tap(page, '#book-btn');
    await settle(page, (p) => find(p, '#done'), 'booked');
    return page;
  }

  test('after booking: 在微信里提醒我 asks for the notice consent in the tap; accepted is reported and shown', async () => {
    fake.route('GET', SETTINGS, settings());
    fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { [NOTICE]: 1 } } });
    const page = await book();
    // Nothing asked before the user taps.
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
    expect(text(page, '#remind-text')).toBe('导师确认后，预约前一天和前一小时在微信里提醒您。');

    await tap(page, '#remind-btn');
    await settle(page, (p) => find(p, '#remind-accepted'), 'accepted');
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(fake.wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([NOTICE]);
    expect(fake.calls('POST', '/api/v1/me/subscriptions').map((c) => c.data)).toEqual([{ accepted: [NOTICE] }]);
    expect(text(page, '#remind-accepted')).toBe('✓ 预约前一天和前一小时会在微信里提醒您');
    expect(find(page, '#remind-btn')).toBeFalsy();
    // The booking stands.
    expect(text(page, '#done-title')).toBe('已预约，等导师确认');
  });

  test('after booking: a refused consent reports nothing, the booking stands and the button stays', async () => {
    fake.route('GET', SETTINGS, settings({ notice_consent: 'one_time', notice_remaining: 1 }));
    fake.subscribeAnswer = { [NOTICE]: 'reject' };
    const page = await book();
    await tap(page, '#remind-btn');
    await settle(page, () => page.instance.data.remind === 'declined', 'declined');
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(fake.calls('POST', '/api/v1/me/subscriptions')).toHaveLength(0);
    expect(find(page, '#remind-accepted')).toBeFalsy();
    expect(find(page, '#remind-btn')).toBeTruthy();
    expect(text(page, '#done-title')).toBe('已预约，等导师确认');
    await tap(page, '#open-booked');
    expect(fake.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/appointments/detail?id=31' }));
  });

  test.each([
    ['pushes switched off in 消息推送', { pushes_enabled: false }],
    ['a long-term consent already', { notice_consent: 'long_term' }],
    ['no notice template configured', { notice_template_id: '' }],
  ])('after booking, %s: no prompt offered', async (what, over) => {
    fake.route('GET', SETTINGS, settings(over));
    const page = await book();
    expect(text(page, '#done-title')).toBe('已预约，等导师确认');
    expect(find(page, '#remind-btn')).toBeFalsy();
    expect(find(page, '#remind-text')).toBeFalsy();
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
  });

  test('after booking, the settings could not be read: no prompt', async () => {
    fake.route('GET', SETTINGS, { fail: { errMsg: 'request:fail timeout' } });
    const page = await book();
    expect(find(page, '#remind-btn')).toBeFalsy();
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  async function bookFails(code, status = 409) {
    fake.route('POST', BOOK, { statusCode: status, data: envelope(code, 'server words') });
    const page = await openDetail();
    await tap(page, '#slot-2026-12-07-0');
    await tap(page, '#mode-online');
    await type(page, '#topic', '网店怎么起步');
    await tap(page, '#book-btn');
    await settle(page, (p) => find(p, '#problem'), 'problem shown');
    return page;
  }

  test('SLOT_TAKEN: said in Chinese and the slots are loaded again', async () => {
    const page = await bookFails('SLOT_TAKEN');
    expect(text(page, '#problem')).toContain('这个时间刚被别人约走了');
    fake.route('GET', DETAIL, { statusCode: 200, data: Object.assign({}, MENTOR, { slots: SLOTS.slice(1) }) });
    await settle(page, () => fake.calls('GET', DETAIL).length === 2, 'reloaded');
    expect(find(page, '#done')).toBeFalsy();
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('TOO_MANY_APPOINTMENTS: the limit of 2 and 看我的预约', async () => {
    const page = await bookFails('TOO_MANY_APPOINTMENTS');
    expect(text(page, '#problem')).toContain('同时最多只能约2个');
    await tap(page, '#go-mine');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/appointments/appointments' }));
  });

  test.each([
    ['MENTOR_FULL', 409, '这位导师这一周已经约满了'],
    ['SLOT_INVALID', 422, '这个时间现在不能约了'],
  ])('%s: %s', async (code, status, words) => {
    const page = await bookFails(code, status);
    expect(text(page, '#problem')).toContain(words);
    expect(find(page, '#go-mine')).toBeFalsy();
  });

  test('面谈 at a service point: where it is', async () => {
    fake.route('GET', '/api/v1/service-points', {
      statusCode: 200,
      data: { items: [{ id: 2, name: '咸安区返乡创业服务中心', address: '温泉路12号' }], kinds: [], levels: [] },
    });
    const page = await openDetail(SLOTS, { modes: ['in_person'], service_point_id: 2 });
    await settle(page, (p) => find(p, '#place'), 'place');
    expect(text(page, '#place')).toBe('面谈地点：咸安区返乡创业服务中心，温泉路12号');
    expect(text(page, '#mode-in_person')).toBe('到服务网点面谈');
    expect(find(page, '#mode-online')).toBeFalsy();
  });

  test('no open slots: said so, 向TA提问 still there and opens the question page', async () => {
    const page = await openDetail([]);
    expect(text(page, '#no-slots')).toContain('最近两周没有可约的时间');
    expect(find(page, '#book-btn')).toBeFalsy();
    await tap(page, '#ask-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/consultations/ask?mentor_id=4' }));
  });

  test('unknown mentor, and a failed load with 重试', async () => {
    fake.route('GET', DETAIL, { statusCode: 404, data: envelope('NOT_FOUND', 'x') });
    const gone = open('pages/mentors/detail', { id: '4' });
    await settle(gone, (p) => find(p, '#state >>> #state-empty'), 'empty');
    expect(text(gone, '#state >>> #state-empty')).toBe('没有找到这位导师，可能已经暂停服务了。');

    fake.route('GET', DETAIL, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: Object.assign({}, MENTOR, { slots: SLOTS }) });
    const failed = open('pages/mentors/detail', { id: '4' });
    await settle(failed, (p) => find(p, '#state >>> #state-retry'), 'error');
    await tap(failed, '#state >>> #state-retry');
    await settle(failed, (p) => find(p, '#name'), 'loaded');
  });
});

describe('entries: 办事 and 我的', () => {
  test('办事 lists 预约导师, 导师问诊 and 我的问诊', async () => {
    const page = open('services');
    await settle(page, (p) => find(p, '#go-mentors'), 'entries');
    expect(text(page, '#section-mentors')).toContain('创业导师');
    await tap(page, '#go-mentors');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/mentors/mentors' }));
    await tap(page, '#go-ask');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/consultations/ask' }));
  });

  test.each([
    [true, true],
    [false, false],
  ])('我的: mentor %s → 导师工作台 shown %s; 我的预约 and 我的问诊 always', async (mentor, shown) => {
    fake.route('GET', '/api/v1/me', {
      statusCode: 200,
      data: {
        id: 1, phone: '138****5678', roles: [], created_at: '2026-12-01T00:00:00Z', mentor,
      },
    });
    const page = open('mine');
    await settle(page, (p) => p.instance.data.status === 'ready' && find(p, '#go-appointments'), 'links');
    expect(text(page, '#go-consultations')).toBe('我的问诊');
    expect(Boolean(find(page, '#go-mentor'))).toBe(shown);
    if (shown) {
      await tap(page, '#go-mentor');
      expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/mentor/mentor' }));
    }
  });
});
