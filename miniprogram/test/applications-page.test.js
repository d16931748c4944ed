/**
 * 我的申请 (pages/applications): status chips, and the consent prompt when an
 * application whose status changed is opened. (A separate file from the
 * detail page: with wcc, one test file renders one page.)
 */
const { createFakeWx } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, simulate,
} = require('./helpers/page');
const { TEMPLATE_ID, policiesBody, application } = require('./helpers/backend');

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

describe('pages/applications', () => {
  async function openList() {
    const page = mountPage('applications');
    await settle(page, (p) => find(p, '#state >>> #state-empty') || find(p, '.app-card')
      || find(p, '#state >>> #state-error'), 'list');
    return page;
  }

  test('status chips and amounts; an empty list points to the policies', async () => {
    fake.route('GET', '/api/v1/applications', {
      statusCode: 200,
      data: {
        items: [
          application({ id: 43, status: 'approved', amount_fen: 20000000, updated_at: '2026-11-28T06:00:00Z' }),
          application({ id: 7, policy: 'startup_subsidy', status: 'rejected', amount_fen: 500000 }),
        ],
      },
    });
    const page = await openList();

    expect(text(page, '#app-43')).toContain('创业担保贷款');
    expect(text(page, '#status-43')).toBe('已批准（待发放）');
    expect(find(page, '#status-43').dom.className).toContain('chip-green');
    expect(text(page, '#app-43')).toContain('金额：200,000 元');
    expect(text(page, '#app-43')).toContain('2026年11月28日 14:00');
    expect(text(page, '#app-7')).toContain('一次性创业补贴');
    expect(text(page, '#status-7')).toBe('未通过');
    page.detach();

    fake.route('GET', '/api/v1/applications', { statusCode: 200, data: { items: [] } });
    const empty = await openList();
    expect(text(empty, '#state >>> #state-empty')).toContain('您还没有申请过创业扶持');
    await tap(empty, '#policies-btn');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/policies/policies' }));
  });

  test('opening an application whose status changed asks for consent first, from the tap', async () => {
    fake.storage.set('application_seen', { 42: 'submitted', 43: 'approved' });
    fake.route('GET', '/api/v1/applications', {
      statusCode: 200,
      data: { items: [application({ id: 42, status: 'returned' }), application({ id: 43, status: 'approved' })] },
    });
    fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { [TEMPLATE_ID]: 1 } } });
    const page = await openList();

    expect(text(page, '#changed-42')).toBe('有新进度');
    expect(find(page, '#changed-43')).toBeFalsy();

    // Unchanged: straight to the detail.
    await tap(page, '#app-43');
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({
      url: '/pages/application/application?id=43',
    }));

    // Changed: the consent dialog is requested within the tap handler itself.
    const navigations = fake.wx.navigateTo.mock.calls.length;
    await tap(page, '#app-42');
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    // Asked before leaving the list.
    expect(fake.wx.navigateTo.mock.calls.length).toBe(navigations);
    await settle(page, () => fake.wx.navigateTo.mock.calls.length === 2, 'navigated');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({
      url: '/pages/application/application?id=42',
    }));
    expect(fake.calls('POST', '/api/v1/me/subscriptions')[0].data).toEqual({ accepted: [TEMPLATE_ID] });
  });
});

describe('pages/applications: a list that could not be loaded', () => {
  test('says what to do and loads again from 重新加载', async () => {
    fake.route('GET', '/api/v1/applications',
      { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 200, data: { items: [application({ id: 42, status: 'submitted' })] } });
    const page = mountPage('applications');
    await settle(page, (p) => find(p, '#state >>> #state-error'), 'error');
    expect(text(page, '#state >>> #state-message')).toContain('请检查手机是否连上网络');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#app-42'), 'loaded');
    expect(text(page, '#status-42')).toBe('已提交（待乡镇审核）');
  });
});
