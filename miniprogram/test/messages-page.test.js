/**
 * 消息 (pages/messages): unread marks and count, tapping a message marks it
 * read and opens its page (asking for progress notifications first when it
 * is an unread progress message), and more on scrolling down.
 */
const { createFakeWx } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, simulate,
} = require('./helpers/page');
const { TEMPLATE_ID, policiesBody } = require('./helpers/backend');

const { MESSAGES } = require('../api/request');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
  fake.route('GET', '/api/v1/policies', policiesBody());
});

afterEach(async () => {
  // Let answers still on their way land in this test's fake, not the next one's.
  await simulate.sleep(20);
  global.wx = simulateWx;
});

const message = (id, overrides) => Object.assign({
  id,
  title: '申请进度通知',
  body: '您的创业担保贷款申请已退回修改，请查看审核意见',
  page: 'pages/application/application?id=42',
  created_at: '2026-11-21T03:00:00Z',
  read_at: null,
}, overrides);

async function open() {
  const page = mountPage('messages');
  // The slot's nodes exist while state-view still shows 正在加载: wait for it to go.
  await settle(page, (p) => text(p, '#state') !== '正在加载，请稍候…', 'inbox');
  return page;
}

describe('pages/messages', () => {
  test('shows unread marks and count; tapping marks read and opens the linked page', async () => {
    fake.route('GET', '/api/v1/me/messages', {
      statusCode: 200,
      data: {
        items: [
          message(9),
          message(8, { title: '审核通过', page: '/pages/applications/detail?id=41', read_at: '2026-11-20T01:00:00Z' }),
          message(7, { title: '系统通知', page: '' }),
        ],
        unread: 2,
      },
    });
    fake.route('POST', '/api/v1/me/messages/9/read', { statusCode: 204 });
    fake.route('POST', '/api/v1/me/messages/7/read', { statusCode: 204 });
    fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { [TEMPLATE_ID]: 1 } } });
    const page = await open();

    expect(text(page, '#unread-summary')).toBe('有 2 条未读消息');
    expect(find(page, '#unread-9')).toBeTruthy();
    expect(find(page, '#unread-8')).toBeFalsy();
    expect(text(page, '#msg-9')).toContain('2026年11月21日 11:00');
    expect(fake.calls('GET', '/api/v1/me/messages')[0].data).toEqual({ page: 1 });
    // Wait for the template ID of the consent prompt.
    await settle(page, () => fake.calls('GET', '/api/v1/policies').length === 1);
    await settle(page, (p) => p.instance.templateId === TEMPLATE_ID, 'template id');

    await tap(page, '#msg-9');
    await settle(page, () => fake.wx.navigateTo.mock.calls.length === 1, 'opened');
    expect(fake.calls('POST', '/api/v1/me/messages/9/read')).toHaveLength(1);
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({
      url: '/pages/application/application?id=42',
    }));
    expect(find(page, '#unread-9')).toBeFalsy();
    expect(text(page, '#unread-summary')).toBe('有 1 条未读消息');
    // An unread progress message: the consent was asked from the tap and reported.
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(fake.calls('POST', '/api/v1/me/subscriptions')[0].data).toEqual({ accepted: [TEMPLATE_ID] });

    // Already read: opened, not marked again, no consent prompt; the old page name still works.
    await tap(page, '#msg-8');
    await settle(page, () => fake.wx.navigateTo.mock.calls.length === 2, 'opened 8');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({
      url: '/pages/application/application?id=41',
    }));
    expect(fake.calls('POST', '/api/v1/me/messages/8/read')).toHaveLength(0);
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);

    // No page: only marked read.
    await tap(page, '#msg-7');
    await settle(page, () => fake.calls('POST', '/api/v1/me/messages/7/read').length === 1, 'read 7');
    expect(text(page, '#unread-summary')).toBe('消息都已读');
    expect(fake.wx.navigateTo).toHaveBeenCalledTimes(2);
  });

  test('a notice about a policy opens 政策详情', async () => {
    fake.route('GET', '/api/v1/me/messages', {
      statusCode: 200,
      data: { items: [message(11, { kind: 'notice', title: '创业补贴政策', page: 'pages/policy/policy?id=5', read_at: '2026-11-20T01:00:00Z' })], unread: 0 },
    });
    const page = await open();
    await tap(page, '#msg-11');
    await settle(page, () => fake.wx.navigateTo.mock.calls.length === 1, 'opened');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/policy/policy?id=5' }));
  });

  test.each([
    ['appointment', '导师已确认您的预约', 'pages/appointments/detail?id=31'],
    ['consultation', '导师回复了您的问题', 'pages/consultations/detail?id=8'],
  ])('a message about an %s opens its page (for either side)', async (kind, title, link) => {
    fake.route('GET', '/api/v1/me/messages', {
      statusCode: 200,
      data: { items: [message(12, { kind, title, page: link, read_at: '2026-11-20T01:00:00Z' })], unread: 0 },
    });
    const page = await open();
    await tap(page, '#msg-12');
    await settle(page, () => fake.wx.navigateTo.mock.calls.length === 1, 'opened');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/${link}` }));
  });

  test('scrolling to the bottom loads the next page', async () => {
    const first = Array.from({ length: 20 }, (_, i) => message(100 - i, { read_at: '2026-11-20T01:00:00Z' }));
    fake.route('GET', '/api/v1/me/messages', (opts) => ({
      statusCode: 200,
      data: opts.data.page === 1
        ? { items: first, unread: 0, total: 21 }
        : { items: [message(50, { title: '最早的一条' })], unread: 1, total: 21 },
    }));
    const page = await open();
    expect(find(page, '#msg-50')).toBeFalsy();

    await page.instance.onReachBottom();
    await settle(page, (p) => find(p, '#msg-50'), 'page 2');
    expect(text(page, '#msg-50')).toContain('最早的一条');
    expect(text(page, '#no-more')).toBe('没有更多了');
    expect(fake.calls('GET', '/api/v1/me/messages').map((c) => c.data.page)).toEqual([1, 2]);
  });

  test('no messages, and a failed load with a retry', async () => {
    fake.route('GET', '/api/v1/me/messages',
      { fail: { errMsg: 'request:fail' } },
      { statusCode: 200, data: { items: [], unread: 0 } });
    const page = await open();
    expect(text(page, '#state >>> #state-message')).toBe(MESSAGES.NETWORK);

    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => (text(p, '#state') || '').includes('还没有消息'), 'empty');
  });

  test('a message that links to a tab page (首页) opens it with switchTab, not navigateTo', async () => {
    fake.route('GET', '/api/v1/me/messages', {
      statusCode: 200,
      data: { items: [message(5, { title: '欢迎', page: 'pages/index/index', read_at: '2026-11-20T01:00:00Z' })], unread: 0 },
    });
    const page = await open();
    await tap(page, '#msg-5');
    await settle(page, () => fake.wx.switchTab.mock.calls.length === 1, 'switched');
    expect(fake.wx.switchTab).toHaveBeenCalledWith({ url: '/pages/index/index' });
    expect(fake.wx.navigateTo).not.toHaveBeenCalled();
  });

  test('a tab page we did not know of: navigateTo refused, switchTab opens it', async () => {
    fake.wx.navigateTo.mockImplementation((opts) => setTimeout(() => opts.fail({ errMsg: 'navigateTo:fail can not navigateTo a tabbar page' }), 0));
    fake.route('GET', '/api/v1/me/messages', {
      statusCode: 200,
      data: { items: [message(6, { title: '我的申请', page: 'pages/applications/applications', read_at: '2026-11-20T01:00:00Z' })], unread: 0 },
    });
    const page = await open();
    await tap(page, '#msg-6');
    await settle(page, () => fake.wx.switchTab.mock.calls.length === 1, 'switched');
    expect(fake.wx.switchTab).toHaveBeenCalledWith({ url: '/pages/applications/applications' });
  });

  test('the next page failing says so under the list, with 再试一次', async () => {
    const first = Array.from({ length: 20 }, (_, i) => message(100 - i, { read_at: '2026-11-20T01:00:00Z' }));
    let calls = 0;
    fake.route('GET', '/api/v1/me/messages', (opts) => {
      calls += 1;
      if (opts.data.page === 1) {
        return { statusCode: 200, data: { items: first, unread: 0, total: 21 } };
      }
      return calls === 2 ? { fail: { errMsg: 'request:fail timeout' } } : { statusCode: 200, data: { items: [message(50)], unread: 1, total: 21 } };
    });
    const page = await open();
    await page.instance.onReachBottom();
    await settle(page, (p) => find(p, '#more-failed'), 'more failed');
    expect(text(page, '#more-failed')).toContain('没加载出来');
    await tap(page, '#more-retry');
    await settle(page, (p) => find(p, '#msg-50'), 'page 2');
    expect(text(page, '#no-more')).toBe('没有更多了');
  });

  test('pull-down refresh brings a new message in without the loading state', async () => {
    fake.route('GET', '/api/v1/me/messages',
      { statusCode: 200, data: { items: [message(9)], unread: 1, total: 1 } },
      { statusCode: 200, data: { items: [message(10, { title: '新消息' }), message(9)], unread: 2, total: 2 } });
    const page = await open();
    page.instance.onPullDownRefresh();
    expect(text(page, '#state')).not.toBe('正在加载，请稍候…');
    await settle(page, (p) => find(p, '#msg-10'), 'refreshed');
    expect(text(page, '#unread-summary')).toBe('有 2 条未读消息');
    expect(fake.wx.stopPullDownRefresh).toHaveBeenCalled();
  });
});
