/**
 * 消息推送 (pages/notify-settings): loading, error with 重试, the push
 * switch (PUT at once, back on failure with the reason), the weekly cap and
 * quiet hours in words, the 微信服务通知 consent state and 订阅政策通知
 * (asked inside the tap, reported, settings read again), disabled while
 * pushes are off, pull-down refresh; and the entry in 我的.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, simulate,
} = require('./helpers/page');

const { MESSAGES } = require('../api/request');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(async () => {
  // Let answers still on their way land in this test's fake, not the next one's.
  await simulate.sleep(20);
  global.wx = simulateWx;
});

const SETTINGS = '/api/v1/me/notification-settings';
const SUBSCRIPTIONS = '/api/v1/me/subscriptions';
const TEMPLATE = 'TMPL_POLICY_NOTICE';

function settings(over) {
  return Object.assign({
    pushes_enabled: true,
    notice_template_id: TEMPLATE,
    notice_consent: 'none',
    notice_remaining: 0,
    quiet_hours: { from: '22:00', to: '08:00' },
    weekly_cap: 3,
  }, over);
}

const ok = (over) => ({ statusCode: 200, data: settings(over) });

/** Whether the t-switch shows on (what the user sees, not the page's data). */
const switchOn = (page) => find(page, '#pushes').instance.data.checked;

async function open() {
  const page = mountPage('notify-settings');
  // The slot's nodes exist while state-view still shows 正在加载: wait for it to go.
  await settle(page, (p) => !find(p, '#state >>> #state-loading'), 'loaded');
  return page;
}

describe('pages/notify-settings', () => {
  test('shows 正在加载 first, then the switch, the explanation and the consent row', async () => {
    const held = fake.pending();
    fake.route('GET', SETTINGS, () => held.promise);
    const page = mountPage('notify-settings');
    await settle(page, (p) => find(p, '#state >>> #state-loading'), 'loading');
    expect(text(page, '#state')).toBe('正在加载，请稍候…');

    held.release(ok());
    await settle(page, (p) => !find(p, '#state >>> #state-loading'), 'ready');
    expect(text(page, '#pushes-cell')).toContain('接收政策通知推送');
    expect(switchOn(page)).toBe(true);
    expect(text(page, '#explain')).toBe('政策通知每周最多推送 3 次（导师预约提醒、问诊回复不计在内）；22:00–08:00 不推送，到早上再发；所有通知都会留在「消息」里。');
    expect(text(page, '#consent-cell')).toContain('微信服务通知');
    expect(text(page, '#consent')).toBe('未订阅');
    expect(text(page, '#subscribe-btn')).toBe('订阅政策通知');
    expect(find(page, '#subscribe-hint')).toBeFalsy();
    expect(fake.calls('GET', SETTINGS)).toHaveLength(1);
  });

  test('consent texts: long-term, one-time with what is left, none; no row without a template', async () => {
    fake.route('GET', SETTINGS,
      ok({ notice_consent: 'long_term' }),
      ok({ notice_consent: 'one_time', notice_remaining: 2 }),
      ok({ notice_template_id: '' }));
    const page = await open();
    expect(text(page, '#consent')).toBe('已长期订阅');
    expect(find(page, '#subscribe-btn')).toBeFalsy();

    await page.instance.onPullDownRefresh();
    await settle(page, (p) => text(p, '#consent') === '还可接收 2 次', 'one time');
    expect(find(page, '#subscribe-btn')).toBeFalsy();
    expect(fake.wx.stopPullDownRefresh).toHaveBeenCalledTimes(1);

    await page.instance.onPullDownRefresh();
    await settle(page, (p) => !find(p, '#subscribe-group'), 'no template');
    expect(find(page, '#consent')).toBeFalsy();
    expect(find(page, '#subscribe-btn')).toBeFalsy();
    expect(find(page, '#pushes')).toBeTruthy();
  });

  test('turning pushes off PUTs at once, asks nothing and says notices stay in 消息', async () => {
    fake.route('GET', SETTINGS, ok());
    fake.route('PUT', SETTINGS, ok({ pushes_enabled: false }));
    const page = await open();

    await tap(page, '#pushes');
    await settle(page, () => fake.wx.showToast.mock.calls.length === 1, 'saved');
    expect(fake.calls('PUT', SETTINGS).map((c) => c.data)).toEqual([{ pushes_enabled: false }]);
    expect(fake.wx.showModal).not.toHaveBeenCalled();
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
    expect(fake.wx.showToast.mock.calls[0][0]).toEqual(expect.objectContaining({ title: '已关闭推送，通知仍会出现在消息里', icon: 'none' }));
    expect(switchOn(page)).toBe(false);
    expect(find(page, '#save-error')).toBeFalsy();
  });

  test('a failed PUT puts the switch back and says why under it', async () => {
    fake.route('GET', SETTINGS, ok());
    fake.route('PUT', SETTINGS,
      { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 200, data: settings({ pushes_enabled: false }) });
    const page = await open();

    await tap(page, '#pushes');
    expect(switchOn(page)).toBe(false);
    await settle(page, (p) => find(p, '#save-error'), 'error');
    expect(switchOn(page)).toBe(true);
    expect(text(page, '#save-error')).toBe(`推送没能关闭，现在仍是打开的。${MESSAGES.NETWORK}`);
    expect(fake.wx.showToast).not.toHaveBeenCalledWith(expect.objectContaining({ title: '已关闭推送，通知仍会出现在消息里' }));

    // Trying again works and clears the error.
    await tap(page, '#pushes');
    await settle(page, (p) => !find(p, '#save-error') && fake.wx.showToast.mock.calls.length === 1, 'saved');
    expect(switchOn(page)).toBe(false);
    expect(fake.calls('PUT', SETTINGS)).toHaveLength(2);
  });

  test('a refused PUT shows the server\'s words; turning on again says so', async () => {
    fake.route('GET', SETTINGS, ok({ pushes_enabled: false }));
    fake.route('PUT', SETTINGS,
      { statusCode: 503, data: envelope('UNAVAILABLE', '服务暂时不可用') },
      ok({ pushes_enabled: true }));
    const page = await open();

    await tap(page, '#pushes');
    await settle(page, (p) => find(p, '#save-error'), 'error');
    expect(switchOn(page)).toBe(false);
    expect(text(page, '#save-error')).toBe('推送没能打开，现在仍是关闭的。服务暂时不可用');

    await tap(page, '#pushes');
    await settle(page, () => fake.wx.showToast.mock.calls.length === 1, 'saved');
    expect(fake.calls('PUT', SETTINGS).map((c) => c.data)).toEqual([{ pushes_enabled: true }, { pushes_enabled: true }]);
    expect(fake.wx.showToast.mock.calls[0][0].title).toBe('已打开推送');
    expect(switchOn(page)).toBe(true);
  });

  test('订阅政策通知 asks WeChat inside the tap, reports the accepted template and reads the settings again', async () => {
    fake.route('GET', SETTINGS, ok(), ok({ notice_consent: 'one_time', notice_remaining: 1 }));
    fake.route('POST', SUBSCRIPTIONS, { statusCode: 200, data: { consents: { [TEMPLATE]: 1 }, ignored: [] } });
    const page = await open();

    await tap(page, '#subscribe-btn');
    // The strict fake refuses a requestSubscribeMessage outside the tap (the afterEach check fails then).
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(fake.wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([TEMPLATE]);
    await settle(page, (p) => text(p, '#consent') === '还可接收 1 次', 'reloaded');
    expect(fake.calls('POST', SUBSCRIPTIONS).map((c) => c.data)).toEqual([{ accepted: [TEMPLATE] }]);
    expect(fake.calls('GET', SETTINGS)).toHaveLength(2);
    expect(find(page, '#subscribe-btn')).toBeFalsy();
    expect(fake.violations).toEqual([]);
  });

  test('refusing in the WeChat dialog reports nothing and leaves 未订阅 with the button', async () => {
    fake.subscribeAnswer = { [TEMPLATE]: 'reject' };
    fake.route('GET', SETTINGS, ok());
    const page = await open();

    await tap(page, '#subscribe-btn');
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    await settle(page, () => fake.calls('GET', SETTINGS).length === 2, 'reloaded');
    await settle(page, (p) => !p.instance.data.subscribing, 'done');
    expect(fake.calls('POST', SUBSCRIPTIONS)).toHaveLength(0);
    expect(text(page, '#consent')).toBe('未订阅');
    expect(find(page, '#subscribe-btn')).toBeTruthy();
    expect(fake.wx.showToast.mock.calls[0][0].title).toContain('没有订阅');
  });

  test('with pushes off the subscribe button is disabled, with 先打开推送', async () => {
    fake.route('GET', SETTINGS, ok({ pushes_enabled: false }));
    fake.route('PUT', SETTINGS, ok({ pushes_enabled: true }));
    const page = await open();

    expect(text(page, '#subscribe-hint')).toBe('先打开推送');
    expect(find(page, '#subscribe-btn').instance.data.disabled).toBe(true);
    await tap(page, '#subscribe-btn');
    await simulate.sleep(10);
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
    // Even if the tap reached the handler, nothing is asked.
    await page.instance.onSubscribe();
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();

    await tap(page, '#pushes');
    await settle(page, (p) => !find(p, '#subscribe-hint'), 'pushes on');
    expect(find(page, '#subscribe-btn').instance.data.disabled).toBe(false);
  });

  test('a failed load shows the reason and 重试, which loads again', async () => {
    fake.route('GET', SETTINGS, { fail: { errMsg: 'request:fail' } }, ok({ notice_consent: 'long_term' }));
    const page = await open();
    expect(text(page, '#state >>> #state-message')).toBe(MESSAGES.NETWORK);
    expect(text(page, '#state >>> #state-retry')).toBe('重试');
    expect(text(page, '#state')).not.toContain('接收政策通知推送');

    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => text(p, '#consent') === '已长期订阅', 'loaded');
    expect(fake.calls('GET', SETTINGS)).toHaveLength(2);
  });

  test('pull-down refresh keeps the page shown; a failed one says so in a toast', async () => {
    fake.route('GET', SETTINGS, ok(), { fail: { errMsg: 'request:fail' } });
    const page = await open();
    await page.instance.onPullDownRefresh();
    expect(find(page, '#pushes')).toBeTruthy();
    expect(text(page, '#consent')).toBe('未订阅');
    expect(fake.wx.showToast.mock.calls[0][0].title).toBe('刷新没成功，请稍后再拉一下');
    expect(fake.wx.stopPullDownRefresh).toHaveBeenCalledTimes(1);
  });

  test('without quiet hours or a cap the explanation still says notices stay in 消息', async () => {
    fake.route('GET', SETTINGS, ok({ quiet_hours: null, weekly_cap: 0 }));
    const page = await open();
    expect(text(page, '#explain')).toBe('所有通知都会留在「消息」里。');
  });
});

describe('pages/mine: 消息推送', () => {
  test('the cell opens the settings page', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    const page = mountPage('mine');
    await settle(page, (p) => find(p, '#go-notify'), 'mine');
    expect(text(page, '#go-notify')).toBe('消息推送');
    await tap(page, '#go-notify');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/notify-settings/notify-settings' }));
  });
});
