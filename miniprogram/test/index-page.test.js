/**
 * Home page rendered with miniprogram-simulate (the page is registered as a
 * top-level component through the Page() shim in test/setup/globals.js).
 * Assertions are on what the user sees.
 */
const path = require('path');
const simulate = require('miniprogram-simulate');
const { createFakeWx, envelope } = require('./helpers/fake-wx');

const PAGE_PATH = path.resolve(__dirname, '../pages/index/index');
// The official WXML compiler (wcc) ships for Linux, macOS and Windows;
// MP_COMPILER=simulate switches to the pure JS one.
const COMPILER = process.env.MP_COMPILER || 'official';

// The wx APIs that miniprogram-simulate itself provides.
const simulateWx = global.wx;

let fake;

function mountPage() {
  let id;
  // Each test gets a fresh copy of the page and its modules.
  jest.isolateModules(() => {
    id = simulate.load(PAGE_PATH, { compiler: COMPILER });
  });
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  return page;
}

async function settle(page, predicate) {
  for (let i = 0; i < 50; i += 1) {
    if (!predicate || predicate(page)) {
      return;
    }
    // eslint-disable-next-line no-await-in-loop
    await simulate.sleep(5);
  }
  throw new Error(`page did not settle: ${page.dom.innerHTML}`);
}

const find = (page, selector) => page.querySelector(selector);
const text = (page, selector) => {
  const node = find(page, selector);
  return node ? node.dom.textContent.trim() : null;
};

function attrsOf(page, id) {
  const walk = (node) => {
    if (!node || typeof node !== 'object') {
      return null;
    }
    const attrs = node.attrs || [];
    if (attrs.some((a) => a.name === 'id' && a.value === id)) {
      return node;
    }
    for (const child of node.children || []) {
      const hit = walk(child);
      if (hit) {
        return hit;
      }
    }
    return null;
  };
  const node = walk(page.toJSON());
  if (!node) {
    return null;
  }
  const out = { events: node.event };
  node.attrs.forEach((a) => {
    out[a.name] = a.value;
  });
  return out;
}

beforeEach(() => {
  fake = createFakeWx();
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

describe('pages/index', () => {
  test('signed out: shows the 微信一键登录 button and calls nothing', async () => {
    const page = mountPage();
    await settle(page, (p) => find(p, '#login-btn'));

    expect(text(page, '#login-btn')).toBe('微信一键登录');
    expect(find(page, '#signed-in')).toBeFalsy();
    expect(find(page, '#phone')).toBeFalsy();
    expect(fake.wx.request).not.toHaveBeenCalled();
  });

  test('shows a loading state while /me is on its way', async () => {
    fake.storage.set('token', 'tok');
    const held = fake.pending();
    fake.route('GET', '/api/v1/me', () => held.promise);

    const page = mountPage();
    expect(text(page, '#loading')).toBe('正在加载，请稍候…');
    expect(find(page, '#login-btn')).toBeFalsy();

    held.release({ statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    await settle(page, (p) => find(p, '#phone'));
    expect(find(page, '#loading')).toBeFalsy();
  });

  test('signed in with a bound phone: shows the masked phone, no bind button', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', {
      statusCode: 200,
      data: { id: 1, phone: '138****5678', roles: [], created_at: '2025-01-01T00:00:00Z' },
    });

    const page = mountPage();
    await settle(page, (p) => find(p, '#phone'));

    expect(text(page, '#phone')).toBe('138****5678');
    expect(find(page, '#bind-phone-btn')).toBeFalsy();
    expect(find(page, '#login-btn')).toBeFalsy();
    expect(text(page, '#logout-link')).toBe('退出登录');
    expect(fake.calls('GET', '/api/v1/me')[0].header.Authorization).toBe('Bearer tok');
  });

  test('signed in: 返乡登记 / 我的档案 / 意愿调查 open their pages', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: null, roles: [] } });

    const page = mountPage();
    await settle(page, (p) => find(p, '#menu'));

    expect(text(page, '#go-register')).toBe('返乡登记');
    expect(text(page, '#go-record')).toBe('我的档案');
    expect(text(page, '#go-survey')).toBe('意愿调查');
    const targets = [['#go-register', '/pages/register/register'], ['#go-record', '/pages/record/record'],
      ['#go-survey', '/pages/survey/survey']];
    for (const [selector, url] of targets) {
      find(page, selector).dispatchEvent('tap');
      // eslint-disable-next-line no-await-in-loop
      await simulate.sleep(0);
      expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url }));
    }
  });

  test('signed in: the alumni entries open their pages; 活动签到 opens the scanner', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    fake.route('GET', '/api/v1/me/messages', { statusCode: 200, data: { items: [], unread: 0 } });

    const page = mountPage();
    await settle(page, (p) => find(p, '#alumni-menu'));

    const targets = [
      ['#go-alumnus', '校友登记', '/pages/alumnus/alumnus'],
      ['#go-points', '我的积分', '/pages/points/points'],
      ['#go-perks', '积分兑换', '/pages/perks/perks'],
      ['#go-vouchers', '我的券', '/pages/vouchers/vouchers'],
      ['#go-checkin', '活动签到（扫码）', '/pages/checkin/checkin?scan=1'],
    ];
    for (const [selector, label, url] of targets) {
      expect(text(page, selector)).toBe(label);
      find(page, selector).dispatchEvent('tap');
      // eslint-disable-next-line no-await-in-loop
      await simulate.sleep(0);
      expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url }));
    }
  });

  test('signed in: 创业扶持 / 我的申请 / 消息 open their pages; 消息 shows the unread count', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    fake.route('GET', '/api/v1/me/messages', { statusCode: 200, data: { items: [], unread: 3 } });

    const page = mountPage();
    await settle(page, (p) => find(p, '#unread-badge'));

    expect(text(page, '#unread-badge')).toBe('3');
    expect(text(page, '#go-support')).toBe('创业扶持（补贴、贷款）');
    expect(text(page, '#go-applications')).toBe('我的申请');
    expect(text(page, '#go-messages')).toBe('消息');
    const targets = [['#go-support', '/pages/policies/policies'],
      ['#go-applications', '/pages/applications/applications'], ['#go-messages', '/pages/messages/messages']];
    for (const [selector, url] of targets) {
      find(page, selector).dispatchEvent('tap');
      // eslint-disable-next-line no-await-in-loop
      await simulate.sleep(0);
      expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url }));
    }

    // Back from the inbox: the badge follows.
    fake.route('GET', '/api/v1/me/messages', { statusCode: 200, data: { items: [], unread: 120 } });
    page.instance.onShow();
    await settle(page, (p) => text(p, '#unread-badge') === '99+');
    fake.route('GET', '/api/v1/me/messages', { statusCode: 200, data: { items: [], unread: 0 } });
    page.instance.onShow();
    await settle(page, (p) => !find(p, '#unread-badge'));
  });

  test('the unread count failing to load leaves no badge and no toast', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    fake.route('GET', '/api/v1/me/messages', { fail: { errMsg: 'request:fail timeout' } });

    const page = mountPage();
    await settle(page, (p) => find(p, '#menu'));
    await settle(page, () => fake.calls('GET', '/api/v1/me/messages').length === 1);
    await simulate.sleep(10);

    expect(find(page, '#unread-badge')).toBeFalsy();
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('signed out: no service entries', async () => {
    const page = mountPage();
    await settle(page, (p) => find(p, '#login-btn'));
    expect(find(page, '#menu')).toBeFalsy();
  });

  test('signed in without a phone: shows the getPhoneNumber bind button', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: null, roles: [] } });

    const page = mountPage();
    await settle(page, (p) => find(p, '#bind-phone-btn'));

    expect(text(page, '#bind-phone-btn')).toBe('绑定手机号');
    const button = attrsOf(page, 'bind-phone-btn');
    // wcc reports the attribute as openType, the JS compiler as open-type.
    expect(button.openType || button['open-type']).toBe('getPhoneNumber');
    expect(button.events.getphonenumber.handler).toBe('onGetPhoneNumber');
    expect(find(page, '#phone')).toBeFalsy();
  });

  test('tapping 微信一键登录 signs in and shows the bind button', async () => {
    fake.route('POST', '/api/v1/auth/login', {
      statusCode: 200,
      data: { token: 'new-tok', expires_in: 604800, user: { id: 1, phone: null, roles: [] } },
    });

    const page = mountPage();
    await settle(page, (p) => find(p, '#login-btn'));
    find(page, '#login-btn').dispatchEvent('tap');
    await settle(page, (p) => find(p, '#bind-phone-btn'));

    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    expect(fake.storage.get('token')).toBe('new-tok');
    expect(find(page, '#login-btn')).toBeFalsy();
  });

  test('signing in as a user who already bound a phone shows it masked', async () => {
    fake.route('POST', '/api/v1/auth/login', {
      statusCode: 200,
      data: { token: 'new-tok', expires_in: 604800, user: { id: 1, phone: '13912345678', roles: [] } },
    });

    const page = mountPage();
    await settle(page, (p) => find(p, '#login-btn'));
    find(page, '#login-btn').dispatchEvent('tap');
    await settle(page, (p) => find(p, '#phone'));

    expect(text(page, '#phone')).toBe('139****5678');
  });

  test('a failed sign-in keeps the login button and toasts the reason', async () => {
    fake.route('POST', '/api/v1/auth/login', { fail: { errMsg: 'request:fail timeout' } });

    const page = mountPage();
    await settle(page, (p) => find(p, '#login-btn'));
    find(page, '#login-btn').dispatchEvent('tap');
    await settle(page, () => fake.wx.showToast.mock.calls.length > 0);
    await settle(page, (p) => p.instance.data.loggingIn === false);

    expect(fake.wx.showToast.mock.calls[0][0]).toMatchObject({ title: '网络不给力，请稍后重试', icon: 'none' });
    expect(text(page, '#login-btn')).toBe('微信一键登录');
  });

  test('refusing the phone authorisation shows a gentle toast and sends nothing', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: null, roles: [] } });

    const page = mountPage();
    await settle(page, (p) => find(p, '#bind-phone-btn'));
    find(page, '#bind-phone-btn').dispatchEvent('getphonenumber', {
      detail: { errMsg: 'getPhoneNumber:fail user deny' },
    });
    await simulate.sleep(10);

    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({
      title: '您已取消授权，可随时再绑定手机号',
      icon: 'none',
    }));
    expect(fake.calls('POST', '/api/v1/me/phone')).toHaveLength(0);
    expect(text(page, '#bind-phone-btn')).toBe('绑定手机号');
  });

  test('an ok authorisation without a code asks to upgrade WeChat', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: null, roles: [] } });

    const page = mountPage();
    await settle(page, (p) => find(p, '#bind-phone-btn'));
    find(page, '#bind-phone-btn').dispatchEvent('getphonenumber', {
      detail: { errMsg: 'getPhoneNumber:ok', encryptedData: 'x', iv: 'y' },
    });
    await simulate.sleep(10);

    expect(fake.wx.showToast.mock.calls[0][0]).toMatchObject({
      title: '请将微信升级到最新版本后再绑定手机号',
      icon: 'none',
    });
    expect(fake.calls('POST', '/api/v1/me/phone')).toHaveLength(0);
  });

  test('binding the phone shows the masked number', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: null, roles: [] } });
    fake.route('POST', '/api/v1/me/phone', { statusCode: 200, data: { phone: '138****5678' } });

    const page = mountPage();
    await settle(page, (p) => find(p, '#bind-phone-btn'));
    find(page, '#bind-phone-btn').dispatchEvent('getphonenumber', {
      detail: { errMsg: 'getPhoneNumber:ok', code: 'phone-code-1' },
    });
    await settle(page, (p) => find(p, '#phone'));

    expect(text(page, '#phone')).toBe('138****5678');
    expect(find(page, '#bind-phone-btn')).toBeFalsy();
    expect(fake.calls('POST', '/api/v1/me/phone')[0].data).toEqual({ code: 'phone-code-1' });
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '绑定成功' }));
  });

  test('network failure on load shows a retry button that works', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me',
      { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });

    const page = mountPage();
    await settle(page, (p) => find(p, '#retry-btn'));

    expect(text(page, '#error-message')).toBe('网络不给力，请稍后重试');
    expect(text(page, '#retry-btn')).toBe('重新加载');
    expect(find(page, '#login-btn')).toBeFalsy();

    find(page, '#retry-btn').dispatchEvent('tap');
    await settle(page, (p) => find(p, '#phone'));
    expect(text(page, '#phone')).toBe('138****5678');
    expect(find(page, '#retry-btn')).toBeFalsy();
  });

  test('an expired session that cannot be renewed falls back to the login button', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 401, data: envelope('SESSION_EXPIRED', '登录已过期，请重新登录') });
    fake.route('POST', '/api/v1/auth/login', {
      statusCode: 401,
      data: envelope('WECHAT_CODE_INVALID', '微信登录凭证无效，请重试'),
    });

    const page = mountPage();
    await settle(page, (p) => find(p, '#login-btn'));

    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    expect(fake.storage.has('token')).toBe(false);
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '登录已过期，请重新登录' }));
  });

  test('退出登录 asks for confirmation, then shows the login button again', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    fake.route('POST', '/api/v1/auth/logout', { statusCode: 204 });

    const page = mountPage();
    await settle(page, (p) => find(p, '#logout-link'));
    find(page, '#logout-link').dispatchEvent('tap');
    await settle(page, (p) => find(p, '#login-btn'));

    expect(fake.wx.showModal).toHaveBeenCalledTimes(1);
    expect(fake.storage.has('token')).toBe(false);
    expect(find(page, '#phone')).toBeFalsy();
    await settle(page, () => fake.calls('POST', '/api/v1/auth/logout').length === 1);
    expect(fake.calls('POST', '/api/v1/auth/logout')[0].header.Authorization).toBe('Bearer tok');
  });

  test('cancelling the logout confirmation keeps the user signed in', async () => {
    fake.storage.set('token', 'tok');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    fake.wx.showModal.mockImplementation((opts) => setTimeout(() => opts.success({ confirm: false, cancel: true }), 0));

    const page = mountPage();
    await settle(page, (p) => find(p, '#logout-link'));
    find(page, '#logout-link').dispatchEvent('tap');
    await simulate.sleep(10);

    expect(text(page, '#phone')).toBe('138****5678');
    expect(fake.storage.get('token')).toBe('tok');
  });
});
