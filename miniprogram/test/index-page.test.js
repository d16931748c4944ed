/**
 * 首页: silent sign-in (no 登录 button), the big task grid, the status card
 * from the existing endpoints, the unread count on the 消息 tab.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap,
} = require('./helpers/page');

const simulateWx = global.wx;
let fake;

const LOGIN_OK = { statusCode: 200, data: { token: 'tok-1', expires_in: 604800, user: { id: 7, phone: null, roles: [] } } };

function routeStatus({ record = { id: 1 }, apps = [], balance = 120, unread = 0 } = {}) {
  fake.route('GET', '/api/v1/me/returnee', record ? { statusCode: 200, data: record }
    : { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记') });
  fake.route('GET', '/api/v1/applications', { statusCode: 200, data: { items: apps } });
  // As the server: no returnee (or alumnus) record, no points account (404).
  fake.route('GET', '/api/v1/me/points', record ? { statusCode: 200, data: { balance, expiring: [], expiring_total: 0 } }
    : { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记') });
  fake.route('GET', '/api/v1/me/messages', { statusCode: 200, data: { items: [], unread, page: 1, page_size: 20, total: 0 } });
}

beforeEach(() => {
  fake = createFakeWx();
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

const ready = (p) => /\d+ 分|登记后可攒积分/.test(text(p, '#status-points') || '');

describe('pages/index', () => {
  test('signs in silently on first open: no 登录 button, the tasks and the status card', async () => {
    fake.route('POST', '/api/v1/auth/login', LOGIN_OK);
    routeStatus({ record: null, apps: [], balance: 0 });

    const page = mountPage('index');
    expect(text(page, '#home-state')).toContain('正在加载');
    await settle(page, ready);

    expect(fake.storage.get('token')).toBe('tok-1');
    expect(page.dom.textContent).not.toContain('登录');
    ['返乡登记', '创业补贴/贷款', '活动签到', '我的积分'].forEach((title) => {
      expect(text(page, '#tasks')).toContain(title);
    });
    expect(text(page, '#status-registration')).toContain('未登记');
    expect(text(page, '#status-register')).toBe('去登记 ›');
    expect(text(page, '#status-applications')).toContain('还没有申请');
    // Not "暂时看不到", which sounds broken: nothing to show until registered.
    expect(text(page, '#status-points')).toContain('登记后可攒积分');
  });

  test('plain words, not jargon', async () => {
    fake.storage.set('token', 'tok');
    routeStatus();
    const page = mountPage('index');
    await settle(page, ready);
    ['双回双创', '权益', '经营主体', '校友之家'].forEach((jargon) => {
      expect(page.dom.textContent).not.toContain(jargon);
    });
  });

  test('registered, one application in review, the points balance', async () => {
    fake.storage.set('token', 'tok');
    routeStatus({ apps: [{ id: 3, status: 'submitted' }, { id: 2, status: 'rejected' }], balance: 120 });
    const page = mountPage('index');
    await settle(page, ready);
    expect(text(page, '#status-registration')).toContain('已登记');
    expect(find(page, '#status-register')).toBeFalsy();
    expect(text(page, '#status-applications')).toContain('审核中 1 份');
    expect(text(page, '#status-points')).toContain('120 分');
    expect(fake.wx.login).not.toHaveBeenCalled();
  });

  test('a returned application says it needs changes', async () => {
    fake.storage.set('token', 'tok');
    routeStatus({ apps: [{ id: 3, status: 'returned' }, { id: 4, status: 'submitted' }] });
    const page = mountPage('index');
    await settle(page, ready);
    expect(text(page, '#status-applications')).toContain('要修改 1 份');
  });

  test('the big tasks open their pages; 活动签到 opens the scanner', async () => {
    fake.storage.set('token', 'tok');
    routeStatus();
    const page = mountPage('index');
    await settle(page, ready);
    const urls = [];
    for (const key of ['register', 'support', 'checkin', 'points']) {
      // eslint-disable-next-line no-await-in-loop
      await tap(page, `#task-${key}`);
      urls.push(fake.wx.navigateTo.mock.calls[fake.wx.navigateTo.mock.calls.length - 1][0].url);
    }
    expect(urls).toEqual(['/pages/register/register', '/pages/policies/policies', '/pages/checkin/checkin?scan=1', '/pages/points/points']);
    await tap(page, '#status-applications');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/applications/applications' }));
  });

  test('unread messages show on the 消息 tab; none removes the badge', async () => {
    fake.storage.set('token', 'tok');
    routeStatus({ unread: 120 });
    const page = mountPage('index');
    await settle(page, ready);
    expect(fake.wx.setTabBarBadge).toHaveBeenCalledWith({ index: 2, text: '99+' });
  });

  test('one part failing shows 暂时看不到 there only, without a toast', async () => {
    fake.storage.set('token', 'tok');
    routeStatus();
    fake.route('GET', '/api/v1/me/points', { fail: { errMsg: 'request:fail timeout' } });
    const page = mountPage('index');
    await settle(page, (p) => (text(p, '#status-registration') || '').includes('已登记'));
    expect(text(page, '#status-points')).toContain('暂时看不到');
    expect(text(page, '#status-applications')).toContain('还没有申请');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('sign-in failing for the network: a plain message and 重新加载 that works', async () => {
    fake.route('POST', '/api/v1/auth/login', { fail: { errMsg: 'request:fail timeout' } }, LOGIN_OK);
    routeStatus();
    const page = mountPage('index');
    await settle(page, (p) => (text(p, '#home-state') || '').includes('没能登录'));
    expect(fake.wx.showToast).not.toHaveBeenCalled();

    await tap(page, '#home-state >>> #state-retry');
    await settle(page, ready);
    expect(fake.storage.get('token')).toBe('tok-1');
  });
});
