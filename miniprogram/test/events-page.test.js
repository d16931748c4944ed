/**
 * 活动 (pages/events): the upcoming events with places left and my state;
 * 报名, 取消报名 after a confirmation, 去签到 while check-in is open; a full
 * event says 名额已满 plainly, also when it filled up under the user's thumb.
 */
const { createFakeWx: createStrictWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap,
} = require('./helpers/page');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createStrictWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

function event(over) {
  return Object.assign({
    id: 3,
    title: '2026年校友返乡座谈会',
    kind: 'alumni',
    kind_name: '校友活动',
    training_minutes: 0,
    starts_at: '2026-12-05T06:00:00Z',
    ends_at: '2026-12-05T09:00:00Z',
    checkin_opens_at: '2026-12-05T05:30:00Z',
    checkin_closes_at: '2026-12-05T09:00:00Z',
    points: 50,
    capacity: 40,
    signups: 12,
    places_left: 28,
    signed_up: false,
    checked_in: false,
    checked_in_at: null,
    signup_open: true,
    checkin_open: false,
  }, over);
}

const list = (...items) => ({ statusCode: 200, data: { items } });

async function open() {
  const page = mountPage('events');
  await settle(page, (p) => text(p, '#state') !== '正在加载，请稍候…', 'loaded');
  return page;
}

describe('pages/events', () => {
  test('an event card: time in Beijing, points, places left, 报名', async () => {
    fake.route('GET', '/api/v1/events', list(event(), event({
      id: 4, title: '创业沙龙', capacity: null, places_left: null, points: 0, starts_at: '2026-12-06T01:00:00Z', ends_at: '2026-12-07T09:00:00Z',
    })));
    const page = await open();

    expect(text(page, '#event-3-title')).toBe('2026年校友返乡座谈会');
    expect(text(page, '#event-3-when')).toBe('时间：2026年12月5日 14:00 至 17:00');
    expect(text(page, '#event-3-points')).toBe('到场签到可得 50 积分');
    expect(text(page, '#event-3-places')).toBe('还剩 28 个名额');
    expect(text(page, '#signup-3')).toBe('报名');
    expect(find(page, '#event-3-state')).toBeFalsy();

    expect(text(page, '#event-4-when')).toBe('时间：2026年12月6日 09:00 至 2026年12月7日 17:00');
    expect(text(page, '#event-4-places')).toBe('不限人数');
    expect(find(page, '#event-4-points')).toBeFalsy();
  });

  test('报名: the card shows 已报名 and 取消报名, places one fewer', async () => {
    fake.route('GET', '/api/v1/events', list(event()));
    fake.route('POST', '/api/v1/events/3/signup', { statusCode: 200, data: event({ signed_up: true, signups: 13, places_left: 27 }) });
    const page = await open();

    await tap(page, '#signup-3');
    await settle(page, (p) => find(p, '#cancel-3'), 'signed up');
    expect(fake.calls('POST', '/api/v1/events/3/signup')).toHaveLength(1);
    expect(text(page, '#event-3-state')).toBe('已报名');
    expect(text(page, '#event-3-places')).toBe('还剩 27 个名额');
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '报名成功' }));
  });

  test('a full event says 名额已满 and cannot be tapped', async () => {
    fake.route('GET', '/api/v1/events', list(event({ signups: 40, places_left: 0 })));
    const page = await open();
    expect(text(page, '#event-3-places')).toBe('名额已满');
    expect(text(page, '#full-3')).toBe('名额已满');
    expect(find(page, '#signup-3')).toBeFalsy();
  });

  test('409 EVENT_FULL (the last place went meanwhile): said plainly, the card turns full', async () => {
    fake.route('GET', '/api/v1/events', list(event({ places_left: 1, signups: 39 })), list(event({ places_left: 0, signups: 40 })));
    fake.route('POST', '/api/v1/events/3/signup', { statusCode: 409, data: envelope('EVENT_FULL', '名额已满') });
    const page = await open();

    await tap(page, '#signup-3');
    await settle(page, (p) => find(p, '#full-3'), 'full');
    expect(text(page, '#event-3-error')).toBe('名额已满，报不上了');
    expect(text(page, '#event-3-places')).toBe('名额已满');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('取消报名 asks first (buttons of at most 4 characters), then frees the place', async () => {
    fake.route('GET', '/api/v1/events', list(event({ signed_up: true })));
    fake.route('POST', '/api/v1/events/3/cancel-signup', { statusCode: 200, data: event({ signed_up: false, places_left: 29 }) });
    const page = await open();
    expect(text(page, '#event-3-state')).toBe('已报名');

    await tap(page, '#cancel-3');
    await settle(page, (p) => find(p, '#signup-3'), 'cancelled');
    expect(fake.refused).toEqual([]);
    expect(fake.wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ title: '取消报名', confirmText: '取消报名', cancelText: '不取消' }));
    expect(fake.calls('POST', '/api/v1/events/3/cancel-signup')).toHaveLength(1);
    expect(text(page, '#event-3-places')).toBe('还剩 29 个名额');
  });

  test('取消报名 answered 不取消 changes nothing', async () => {
    fake.route('GET', '/api/v1/events', list(event({ signed_up: true })));
    fake.modalAnswer = { confirm: false, cancel: true };
    const page = await open();
    await tap(page, '#cancel-3');
    await settle(page, () => fake.wx.showModal.mock.calls.length === 1);
    expect(fake.calls('POST', '/api/v1/events/3/cancel-signup')).toHaveLength(0);
    expect(find(page, '#cancel-3')).toBeTruthy();
  });

  test('my check-in state, and 去签到 while the check-in is open', async () => {
    fake.route('GET', '/api/v1/events', list(
      event({
        signup_open: false, checkin_open: true, signed_up: true,
      }),
      event({
        id: 5, signup_open: false, checkin_open: true, signed_up: true, checked_in: true, checked_in_at: '2026-12-05T06:10:00Z',
      }),
    ));
    const page = await open();
    expect(text(page, '#checkin-3')).toBe('去签到（扫现场的码）');
    expect(text(page, '#event-5-state')).toBe('已签到（2026年12月5日 14:10）');
    expect(find(page, '#checkin-5')).toBeFalsy();
    expect(find(page, '#cancel-5')).toBeFalsy();

    await tap(page, '#checkin-3');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/checkin/checkin?scan=1' });
  });

  test('not registered: asked to do 返乡登记 first', async () => {
    fake.route('GET', '/api/v1/events', list(event()));
    fake.route('POST', '/api/v1/events/3/signup', { statusCode: 404, data: envelope('NOT_REGISTERED', '请先完成校友登记或返乡登记后再签到') });
    const page = await open();
    await tap(page, '#signup-3');
    await settle(page, () => fake.wx.navigateTo.mock.calls.length === 1, 'register');
    expect(fake.wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ content: '报名前要先做返乡登记，登记好了再来报名' }));
    expect(fake.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/register/register' });
  });

  test('a network failure on 报名 says what to do; the card stays as it was', async () => {
    fake.route('GET', '/api/v1/events', list(event()));
    fake.route('POST', '/api/v1/events/3/signup', { fail: { errMsg: 'request:fail timeout' } });
    const page = await open();
    await tap(page, '#signup-3');
    await settle(page, (p) => find(p, '#event-3-error'), 'error');
    expect(text(page, '#event-3-error')).toBe('网络不好，没有办成。请到信号好的地方再点一次');
    expect(find(page, '#signup-3')).toBeTruthy();
  });

  test('no events, and a failed first load with 重新加载', async () => {
    fake.route('GET', '/api/v1/events', { fail: { errMsg: 'request:fail' } }, list());
    const page = await open();
    expect(find(page, '#state >>> #state-error')).toBeTruthy();
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => text(p, '#state') === '最近没有活动。有新活动时会在这里显示。', 'empty');
  });

  test('pull-down refresh shows the places as they are now, without the loading state', async () => {
    fake.route('GET', '/api/v1/events', list(event()), list(event({ places_left: 3 })));
    const page = await open();
    expect(text(page, '#event-3-places')).toBe('还剩 28 个名额');
    page.instance.onPullDownRefresh();
    expect(text(page, '#state')).not.toBe('正在加载，请稍候…');
    await settle(page, (p) => text(p, '#event-3-places') === '还剩 3 个名额', 'refreshed');
    expect(fake.wx.stopPullDownRefresh).toHaveBeenCalled();
  });

  test('the kind as a tag, and the training hours a check-in counts', async () => {
    fake.route('GET', '/api/v1/events', list(
      event(),
      event({
        id: 4, title: '电商直播创业培训', kind: 'training', kind_name: '创业培训', training_minutes: 180,
      }),
      event({
        id: 5, title: '乡村振兴训练营', kind: 'camp', kind_name: '训练营', training_minutes: 90,
      }),
      event({ id: 6, kind: 'roadshow', kind_name: '' }),
    ));
    const page = await open();
    expect(text(page, '#event-3-kind')).toBe('校友活动');
    expect(find(page, '#event-3-hours')).toBeFalsy();
    expect(text(page, '#event-4-kind')).toBe('创业培训');
    expect(text(page, '#event-4-hours')).toBe('计 3 学时');
    expect(text(page, '#event-5-hours')).toBe('计 1.5 学时');
    // No kind_name from the server: the name the phone knows.
    expect(text(page, '#event-6-kind')).toBe('项目路演');
  });

  test('kind chips: 全部 + the kinds in the list; a tap filters on the phone', async () => {
    fake.route('GET', '/api/v1/events', list(
      event({ id: 3, kind: 'alumni', kind_name: '校友活动' }),
      event({ id: 4, kind: 'training', kind_name: '创业培训', training_minutes: 120 }),
      event({ id: 5, kind: 'policy_talk', kind_name: '政策宣讲' }),
      event({ id: 6, kind: 'training', kind_name: '创业培训', training_minutes: 60 }),
    ));
    const page = await open();
    // 全部 first, then the kinds present in their usual order, each once.
    expect(text(page, '#kinds')).toBe('全部政策宣讲创业培训校友活动');
    expect(find(page, '#kind-salon')).toBeFalsy();
    expect(find(page, '#kind-all').dom.className).toContain('filter-on');

    await tap(page, '#kind-training');
    await settle(page, (p) => !find(p, '#event-3'), 'filtered');
    expect(find(page, '#event-4')).toBeTruthy();
    expect(find(page, '#event-6')).toBeTruthy();
    expect(find(page, '#event-5')).toBeFalsy();
    expect(find(page, '#kind-training').dom.className).toContain('filter-on');
    expect(fake.calls('GET', '/api/v1/events')).toHaveLength(1);

    await tap(page, '#kind-all');
    await settle(page, (p) => find(p, '#event-3') && find(p, '#event-5'), 'all again');
  });

  test('one kind only: no chips; a chosen kind gone after a refresh goes back to 全部', async () => {
    fake.route('GET', '/api/v1/events', list(event({ id: 3 }), event({ id: 4, kind: 'salon', kind_name: '创业沙龙' })), list(event({ id: 3 })));
    const page = await open();
    await tap(page, '#kind-salon');
    await settle(page, (p) => !find(p, '#event-3'), 'filtered');
    await page.instance.onPullDownRefresh();
    await settle(page, (p) => find(p, '#event-3'), 'back to all');
    expect(find(page, '#kinds')).toBeFalsy();
    expect(find(page, '#kind-none')).toBeFalsy();
  });

  test('409 SIGNUP_CLOSED (it started meanwhile): said plainly, the card as it is now', async () => {
    fake.route('GET', '/api/v1/events', list(event()), list(event({ signup_open: false, checkin_open: true })));
    fake.route('POST', '/api/v1/events/3/signup', { statusCode: 409, data: envelope('SIGNUP_CLOSED', '活动已经开始或结束，不能再报名或取消报名') });
    const page = await open();
    await tap(page, '#signup-3');
    await settle(page, (p) => find(p, '#checkin-3'), 'reloaded');
    expect(text(page, '#event-3-error')).toBe('活动已经开始了，不能再报名或取消报名');
    expect(find(page, '#signup-3')).toBeFalsy();
  });
});

describe('lib/events-view hours', () => {
  const view = require('../lib/events-view');
  test('training minutes as hours, as the console writes them', () => {
    expect(view.hoursText(180)).toBe('3');
    expect(view.hoursText(90)).toBe('1.5');
    expect(view.hoursText(75)).toBe('1.25');
    expect(view.hoursText(0)).toBe('');
    expect(view.hoursText(undefined)).toBe('');
    expect(view.eventView({ id: 1, training_minutes: 0 }).hoursText).toBe('');
  });
});
