/**
 * 招商项目 (pages/projects) and 项目详情 (pages/project): published projects with the amount
 * in 万元, paging, the empty state, errors in Chinese, a project no longer published.
 */
const simulate = require('miniprogram-simulate');
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap,
} = require('./helpers/page');
const { MESSAGES } = require('../api/request');
const view = require('../pages/project/view');
const { industryName } = require('../pages/project/industries');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

const PROJECT = {
  id: 7,
  name: '贺胜桥镇农产品冷链加工项目',
  industry_code: 'C13',
  chain_code: 'food',
  chain_name: '食品饮料',
  chain_link: '农产品精深加工',
  township_code: '421202104',
  township_name: '贺胜桥镇',
  park_name: null,
  investment_fen: 3000000000,
  land_mu_hundredths: 5050,
  stage: '已完成可研，用地已收储',
  partner_wanted: '有冷链物流经验的食品企业',
  contact_department: '区招商服务中心',
  description: '建设冷链仓储和农产品加工车间。',
  status: 'promoting',
  status_name: '推介',
  published_at: '2026-11-20T02:00:00Z',
};

const project = (id, extra) => Object.assign({}, PROJECT, { id, name: `项目${id}` }, extra);

async function openList() {
  const page = mountPage('projects');
  await settle(page, (p) => p.instance.data.listStatus !== 'loading', 'loaded');
  return page;
}

describe('project view helpers', () => {
  test('money in 万元 from fen, land in 亩, industry by name', () => {
    expect(view.amountText(3000000000)).toBe('3,000 万元');
    expect(view.amountText(12345600)).toBe('12.35 万元');
    expect(view.amountText(150000000)).toBe('150 万元');
    expect(view.amountText(500000)).toBe('5,000 元');
    expect(view.amountText(0)).toBe('');
    expect(view.amountText(null)).toBe('');
    expect(view.landText(5050)).toBe('50.5 亩');
    expect(view.landText(1200)).toBe('12 亩');
    expect(view.landText(0)).toBe('');
    expect(industryName('C13')).toBe('农副食品加工业');
    expect(industryName('C')).toBe('制造业');
    expect(industryName('13')).toBe('农副食品加工业');
    expect(industryName('Z9')).toBe('');
  });
});

describe('pages/projects', () => {
  test('cards with industry, amount in 万元 and place; a tap opens the project', async () => {
    fake.route('GET', '/api/v1/projects', { statusCode: 200, data: { items: [PROJECT], total: 1, page: 1, page_size: 20 } });
    const page = await openList();

    expect(text(page, '#project-7-name')).toBe('贺胜桥镇农产品冷链加工项目');
    expect(text(page, '#project-7-industry')).toBe('农副食品加工业');
    expect(text(page, '#project-7-amount')).toBe('计划投资 3,000 万元');
    expect(text(page, '#project-7-place')).toBe('地点：贺胜桥镇');
    expect(text(page, '#list-end')).toContain('已显示全部 1 个项目');
    expect(page.dom.textContent).not.toContain('3000000000');
    expect(fake.calls('GET', '/api/v1/projects')[0].data).toEqual({ page: 1, page_size: 20 });

    await tap(page, '#project-7');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/project/project?id=7' }));
  });

  test('加载更多 asks for the next page and appends it', async () => {
    const first = Array.from({ length: 20 }, (_, i) => project(i + 1));
    fake.route('GET', '/api/v1/projects',
      { statusCode: 200, data: { items: first, total: 21, page: 1, page_size: 20 } },
      { statusCode: 200, data: { items: [project(21)], total: 21, page: 2, page_size: 20 } });
    const page = await openList();

    expect(find(page, '#project-20')).toBeTruthy();
    expect(find(page, '#project-21')).toBeFalsy();
    await tap(page, '#more-btn');
    await settle(page, (p) => find(p, '#project-21'), 'second page');
    const pages = fake.wx.request.mock.calls.map(([o]) => o.data && o.data.page);
    expect(pages).toEqual([1, 2]);
    expect(find(page, '#more-btn')).toBeFalsy();
    expect(text(page, '#list-end')).toContain('21');
  });

  test('no published project: a plain sentence', async () => {
    fake.route('GET', '/api/v1/projects', { statusCode: 200, data: { items: [], total: 0, page: 1, page_size: 20 } });
    const page = await openList();
    expect(text(page, '#state')).toContain('暂时没有对外发布的招商项目');
  });

  test('a network failure is said in Chinese and 重新加载 works', async () => {
    fake.route('GET', '/api/v1/projects', { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 200, data: { items: [PROJECT], total: 1, page: 1, page_size: 20 } });
    const page = await openList();
    expect(text(page, '#state >>> #state-message')).toBe(MESSAGES.NETWORK);
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#project-7'), 'reloaded');
  });

  test('pull-down refresh loads the first page again', async () => {
    fake.route('GET', '/api/v1/projects',
      { statusCode: 200, data: { items: [PROJECT], total: 1, page: 1, page_size: 20 } },
      { statusCode: 200, data: { items: [project(8), PROJECT], total: 2, page: 1, page_size: 20 } });
    const page = await openList();
    await page.instance.onPullDownRefresh();
    await settle(page, (p) => find(p, '#project-8'), 'refreshed');
    expect(fake.wx.stopPullDownRefresh).toHaveBeenCalled();
  });
});

describe('pages/project', () => {
  // By default the user has no merchant record (楚商信息) yet.
  beforeEach(() => {
    fake.route('GET', '/api/v1/me/merchant', { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记楚商信息') });
  });

  async function openDetail(id) {
    const page = mountPage('project', { id: String(id) });
    await settle(page, (p) => p.instance.data.status !== 'loading', 'loaded');
    return page;
  }

  test('shows industry, chain, place, 万元, 亩, stage, partner wanted and the department', async () => {
    fake.route('GET', '/api/v1/projects/7', { statusCode: 200, data: PROJECT });
    const page = await openDetail(7);

    expect(text(page, '#project-name')).toBe('贺胜桥镇农产品冷链加工项目');
    expect(text(page, '#project-amount')).toBe('计划投资 3,000 万元');
    expect(text(page, '#row-industry')).toContain('农副食品加工业');
    expect(text(page, '#row-chain')).toContain('食品饮料产业链 · 农产品精深加工');
    expect(text(page, '#row-place')).toContain('贺胜桥镇');
    expect(text(page, '#row-amount')).toContain('3,000 万元');
    expect(text(page, '#row-land')).toContain('50.5 亩');
    expect(text(page, '#row-stage')).toContain('已完成可研');
    expect(text(page, '#row-partner')).toContain('冷链物流经验');
    expect(text(page, '#row-department')).toContain('区招商服务中心');
    expect(text(page, '#description')).toContain('冷链仓储');
    expect(text(page, '#contact-hint')).toContain('区招商服务中心会和您联系');
  });

  test('a project no longer published (404) says so and offers the others', async () => {
    fake.route('GET', '/api/v1/projects/9', { statusCode: 404, data: envelope('NOT_FOUND', '记录不存在') });
    const page = await openDetail(9);
    expect(text(page, '#state')).toContain('不再对外发布');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
    await tap(page, '#others-btn');
    expect(fake.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/projects/projects' }));
  });

  test('a server error is shown in its Chinese words with 重新加载', async () => {
    fake.route('GET', '/api/v1/projects/7', { statusCode: 503, data: envelope('DEPENDENCY_UNAVAILABLE', '服务暂时不可用，请稍后重试') },
      { statusCode: 200, data: PROJECT });
    const page = await openDetail(7);
    expect(text(page, '#state >>> #state-message')).toBe('服务暂时不可用，请稍后重试');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#project-name'), 'reloaded');
  });
});

describe('pages/project: 感兴趣', () => {
  const MERCHANT = {
    person_id: 5, name: '王楚商', township_code: '421202104', industry_code: '13', confirmed_at: '2026-11-01T02:00:00Z', fresh: true, version: 2,
  };
  const matchesWith = (interested) => ({
    items: [
      { project: { id: 9, name: '茶叶精深加工项目' }, score: 70, reasons: ['意向领域含 茶叶'], interested: true },
      { project: { id: 7, name: PROJECT.name }, score: 61, reasons: ['同属农副食品加工业'], interested },
    ],
  });

  function serve({ merchant = MERCHANT, matches = matchesWith(false) } = {}) {
    fake.route('GET', '/api/v1/projects/7', { statusCode: 200, data: PROJECT });
    fake.route('GET', '/api/v1/me/merchant', merchant
      ? { statusCode: 200, data: merchant }
      : { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记楚商信息') });
    fake.route('GET', '/api/v1/me/matches', { statusCode: 200, data: matches });
  }

  async function openDetail() {
    const page = mountPage('project', { id: '7' });
    await settle(page, (p) => find(p, '#interest-btn'), 'the 感兴趣 button');
    return page;
  }

  const posts = () => fake.calls('POST', '/api/v1/me/matches/7/interest');

  test('a merchant taps 感兴趣: it is sent once and the button says 已表示感兴趣', async () => {
    serve();
    fake.route('POST', '/api/v1/me/matches/7/interest', { statusCode: 201, data: { project_id: 7, interested: true } });
    const page = await openDetail();

    // Project 9's 感兴趣 (in the same answer) is not this one's.
    expect(text(page, '#interest-btn')).toBe('感兴趣');
    expect(fake.calls('GET', '/api/v1/me/matches')[0].data).toEqual({ limit: 200 });
    await tap(page, '#interest-btn');
    await settle(page, (p) => text(p, '#interest-btn') === '已表示感兴趣', 'interested');
    expect(posts()).toHaveLength(1);
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已告诉项目联系单位' }));

    await tap(page, '#interest-btn');
    await simulate.sleep(0);
    expect(posts()).toHaveLength(1);
    expect(page.instance.data.interest).toBe('done');
  });

  test('said before (为您推荐 says interested): 已表示感兴趣 from the start, nothing sent', async () => {
    serve({ matches: matchesWith(true) });
    const page = await openDetail();
    expect(text(page, '#interest-btn')).toBe('已表示感兴趣');
    await tap(page, '#interest-btn');
    await simulate.sleep(0);
    expect(posts()).toHaveLength(0);
  });

  test('a project not among my recommendations can still be 感兴趣', async () => {
    serve({ matches: { items: [] } });
    fake.route('POST', '/api/v1/me/matches/7/interest', { statusCode: 201, data: { project_id: 7, interested: true } });
    const page = await openDetail();
    expect(text(page, '#interest-btn')).toBe('感兴趣');
    await tap(page, '#interest-btn');
    await settle(page, (p) => text(p, '#interest-btn') === '已表示感兴趣', 'interested');
  });

  test('without a merchant record the button leads to 楚商信息; back with one, it is 感兴趣', async () => {
    serve({ merchant: null });
    const page = await openDetail();

    expect(text(page, '#interest-btn')).toBe('登记楚商信息后可表示感兴趣');
    expect(fake.calls('GET', '/api/v1/me/matches')).toHaveLength(0);
    await tap(page, '#interest-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/merchant/merchant' }));
    expect(posts()).toHaveLength(0);

    fake.route('GET', '/api/v1/me/merchant', { statusCode: 200, data: MERCHANT });
    page.instance.onShow();
    await settle(page, (p) => text(p, '#interest-btn') === '感兴趣', 'a merchant now');
  });

  test('409 NOT_MERCHANT on the tap turns the button to the registration prompt', async () => {
    serve();
    fake.route('POST', '/api/v1/me/matches/7/interest', { statusCode: 409, data: envelope('NOT_MERCHANT', '请先登记楚商信息，再查看推荐项目') });
    const page = await openDetail();
    await tap(page, '#interest-btn');
    await settle(page, (p) => text(p, '#interest-btn') === '登记楚商信息后可表示感兴趣', 'prompt');
    expect(text(page, '#interest-error')).toBe('请先登记楚商信息，再查看推荐项目');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
    await tap(page, '#interest-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/merchant/merchant' }));
  });

  test('a network failure is said in Chinese and 感兴趣 can be sent again', async () => {
    serve();
    fake.route('POST', '/api/v1/me/matches/7/interest', { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 200, data: { project_id: 7, interested: true } });
    const page = await openDetail();
    await tap(page, '#interest-btn');
    await settle(page, (p) => find(p, '#interest-error'), 'error');
    expect(text(page, '#interest-error')).toContain('没有连上网络');
    expect(text(page, '#interest-btn')).toBe('感兴趣');
    await tap(page, '#interest-btn');
    await settle(page, (p) => text(p, '#interest-btn') === '已表示感兴趣', 'interested');
    expect(find(page, '#interest-error')).toBeFalsy();
  });
});
