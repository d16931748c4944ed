/**
 * 我的: the bound phone or the bind button, links, and 退出登录 that clears
 * drafts and everything personal on the phone.
 */
const { createFakeWx } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, trigger,
} = require('./helpers/page');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

describe('pages/mine', () => {
  test('shows the masked phone and the links', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    const page = mountPage('mine');
    await settle(page, (p) => (text(p, '#mine-state') || '').includes('138****5678'));
    expect(text(page, '#go-privacy')).toBe('隐私保护指引');
    await tap(page, '#go-record');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/record/record' }));
  });

  test('without a phone: the bind button binds it', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: null, roles: [] } });
    fake.route('POST', '/api/v1/me/phone', { statusCode: 200, data: { phone: '139****0000' } });
    const page = mountPage('mine');
    await settle(page, (p) => find(p, '#phone-binding >>> #bind-phone-btn'));
    await trigger(page, '#phone-binding >>> #bind-phone-btn', 'getphonenumber', { errMsg: 'getPhoneNumber:ok', code: 'c' });
    await settle(page, (p) => (text(p, '#mine-state') || '').includes('139****0000'));
  });

  test('退出登录 asks first, then clears drafts, ID numbers and the token', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    fake.route('POST', '/api/v1/auth/logout', { statusCode: 204 });
    fake.storage.set('returnee_draft', { name: '张三' });
    fake.storage.set('application_draft_startup_subsidy', { bank_account: '6222' });
    fake.storage.set('cache_regions', [1]);
    const page = mountPage('mine');
    await settle(page, (p) => find(p, '#logout-btn'));

    await tap(page, '#logout-btn');
    const modal = fake.wx.showModal.mock.calls[0][0];
    expect(modal.confirmText.length).toBeLessThanOrEqual(4);
    expect(modal.cancelText.length).toBeLessThanOrEqual(4);
    expect(modal.content).toContain('草稿');

    await settle(page, (p) => find(p, '#signed-out'));
    expect(Array.from(fake.storage.keys())).toEqual(['cache_regions']);
    expect(text(page, '#signed-out')).toContain('已清除');
  });

  test('cancelling the logout keeps everything', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    fake.wx.showModal.mockImplementation((opts) => setTimeout(() => opts.success({ confirm: false, cancel: true }), 0));
    fake.storage.set('returnee_draft', { name: '张三' });
    const page = mountPage('mine');
    await settle(page, (p) => find(p, '#logout-btn'));
    await tap(page, '#logout-btn');
    await new Promise((r) => setTimeout(r, 20));
    expect(find(page, '#signed-out')).toBeFalsy();
    expect(fake.storage.get('returnee_draft')).toEqual({ name: '张三' });
  });
});

describe('pages/privacy', () => {
  test('says what is collected, why, how long, whom to contact, the version', async () => {
    const page = mountPage('privacy');
    await settle(page, (p) => find(p, '#privacy-contact'));
    const all = page.dom.textContent;
    ['手机号', '身份证号', '银行卡号', '照片'].forEach((w) => expect(text(page, '#privacy-what')).toContain(w));
    expect(text(page, '#privacy-why')).toContain('补贴');
    expect(text(page, '#privacy-keep')).toContain('保存');
    expect(text(page, '#privacy-contact')).toContain('咸安区返乡创业服务中心');
    expect(text(page, '#privacy-contact')).toContain('待公布');
    expect(all).toContain('2026-12-01');
  });
});

describe('app.js', () => {
  test('signs in silently at launch', async () => {
    fake.storage.delete('token');
    fake.route('POST', '/api/v1/auth/login', { statusCode: 200, data: { token: 'tok-9', expires_in: 1, user: { id: 1 } } });
    let app;
    global.App = (options) => {
      app = options;
    };
    jest.isolateModules(() => {
      require('../app');
    });
    app.globalData = {};
    app.onLaunch();
    await expect(app.globalData.signedIn).resolves.toBe(true);
    expect(fake.storage.get('token')).toBe('tok-9');
    delete global.App;
  });
});
