/**
 * 我的积分 (pages/points): balance, what expires soon (Beijing dates), the
 * history page by page, and the not-registered state.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap,
} = require('./helpers/page');
const { POINTS } = require('./helpers/backend');

const { MESSAGES } = require('../api/request');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

function entry(id, overrides) {
  return Object.assign({
    id,
    person_id: 1,
    delta: 100,
    reason_code: 'grant',
    rule_code: 'event_attendance',
    reference: `event:${id}`,
    note: '参加返乡创业座谈会',
    actor_type: 'staff',
    created_at: '2026-11-28T06:30:00Z',
    balance_after: 1200,
    expires_at: '2028-12-31T15:59:59Z',
    remaining: 100,
    reverses_entry_id: null,
  }, overrides);
}

async function open() {
  const page = mountPage('points');
  // The slot's nodes exist while state-view still shows 正在加载: wait for it to go.
  await settle(page, (p) => text(p, '#state') !== '正在加载，请稍候…' && (find(p, '#balance') || find(p, '#state >>> #state-error') || find(p, '#unregistered')), 'points');
  return page;
}

describe('pages/points', () => {
  test('shows the balance, what expires soon and the history in Beijing time', async () => {
    fake.route('GET', '/api/v1/me/points', { statusCode: 200, data: POINTS });
    fake.route('GET', '/api/v1/me/points/entries', {
      statusCode: 200,
      data: {
        items: [
          entry(3, { delta: -500, reason_code: 'redeem', note: '', balance_after: 1200, expires_at: null }),
          entry(2, { delta: 1700, balance_after: 1700 }),
        ],
        page: 1,
        page_size: 20,
        total: 2,
      },
    });
    const page = await open();

    expect(text(page, '#balance')).toBe('1,200');
    expect(text(page, '#expiring-0')).toBe('200 积分将于 2027年12月31日 到期');
    expect(text(page, '#entry-3')).toContain('兑换权益');
    expect(text(page, '#entry-3-delta')).toBe('-500');
    expect(text(page, '#entry-2-delta')).toBe('+1,700');
    expect(text(page, '#entry-2')).toContain('参加返乡创业座谈会');
    expect(text(page, '#entry-2')).toContain('2026年11月28日 14:30');
    expect(text(page, '#entry-2')).toContain('2028年12月31日到期');
    expect(find(page, '#more-btn')).toBeFalsy();
    expect(text(page, '#list-end')).toBe('已显示全部 2 条');
    expect(fake.calls('GET', '/api/v1/me/points/entries')[0].data).toEqual({ page: 1 });
  });

  test('加载更多 fetches the next page and appends it', async () => {
    fake.route('GET', '/api/v1/me/points', { statusCode: 200, data: Object.assign({}, POINTS, { expiring: [] }) });
    const first = Array.from({ length: 20 }, (_, i) => entry(100 - i));
    // A new entry pushed 81 onto page 2: it is not shown twice.
    const second = [entry(81), entry(79, { delta: -100, reason_code: 'expire', note: '' })];
    fake.route('GET', '/api/v1/me/points/entries',
      { statusCode: 200, data: { items: first, page: 1, page_size: 20, total: 21 } },
      { fail: { errMsg: 'request:fail' } },
      { statusCode: 200, data: { items: second, page: 2, page_size: 20, total: 21 } });
    const page = await open();

    expect(find(page, '#expiring')).toBeFalsy();
    expect(find(page, '#entry-81')).toBeTruthy();
    await tap(page, '#more-btn');
    await settle(page, (p) => find(p, '#more-error'), 'more failed');
    expect(text(page, '#more-error')).toBe('没加载出来，请检查网络后再点“加载更多”');

    await tap(page, '#more-btn');
    await settle(page, (p) => find(p, '#entry-79'), 'page 2');
    expect(text(page, '#entry-79')).toContain('积分到期');
    expect(page.instance.data.listItems).toHaveLength(21);
    expect(find(page, '#more-btn')).toBeFalsy();
    expect(fake.calls('GET', '/api/v1/me/points/entries').map((c) => c.data.page)).toEqual([1, 2, 2]);
  });

  test('not registered: a plain explanation and a way to 返乡登记 (校友登记 for alumni)', async () => {
    const notRegistered = { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记个人信息，请先完成登记') };
    fake.route('GET', '/api/v1/me/points', notRegistered);
    fake.route('GET', '/api/v1/me/points/entries', notRegistered);
    const page = await open();

    expect(text(page, '#register-btn')).toBe('去返乡登记');
    await tap(page, '#register-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/register/register' });
    await tap(page, '#alumnus-link');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/alumnus/alumnus' });
  });

  test('a failed load offers 重新加载', async () => {
    fake.route('GET', '/api/v1/me/points', { fail: { errMsg: 'request:fail' } }, { statusCode: 200, data: POINTS });
    fake.route('GET', '/api/v1/me/points/entries', { statusCode: 200, data: { items: [], page: 1, page_size: 20, total: 0 } });
    const page = await open();
    expect(text(page, '#state >>> #state-message')).toBe(MESSAGES.NETWORK);
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#balance'), 'reloaded');
    expect(text(page, '#no-entries')).toContain('还没有积分记录');
  });

  test('pull-down refresh updates the balance without the loading state', async () => {
    fake.route('GET', '/api/v1/me/points',
      { statusCode: 200, data: Object.assign({}, POINTS, { balance: 100 }) },
      { statusCode: 200, data: Object.assign({}, POINTS, { balance: 150 }) });
    fake.route('GET', '/api/v1/me/points/entries', { statusCode: 200, data: { items: [], page: 1, page_size: 20, total: 0 } });
    const page = await open();
    expect(text(page, '#balance')).toBe('100');
    expect(text(page, '#no-entries')).toContain('还没有积分记录');
    page.instance.onPullDownRefresh();
    expect(text(page, '#state')).not.toBe('正在加载，请稍候…');
    await settle(page, (p) => text(p, '#balance') === '150', 'refreshed');
    expect(fake.wx.stopPullDownRefresh).toHaveBeenCalled();
  });
});
