/**
 * 为您推荐 (pages/matches): ranked projects with score and reasons as tags, 感兴趣 once
 * (then 已表示感兴趣, off), a tap opening the project, the prompt without a merchant record,
 * empty and error states in Chinese.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap,
} = require('./helpers/page');
const { MESSAGES } = require('../api/request');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
  fake.route('GET', '/api/v1/me/merchant', { statusCode: 200, data: MERCHANT });
});

afterEach(() => {
  global.wx = simulateWx;
});

const MERCHANT = {
  person_id: 5, name: '王楚商', township_code: '421202104', industry_code: '13', confirmed_at: new Date().toISOString(), fresh: true, version: 2,
};

const MATCHES = {
  items: [
    {
      project: {
        id: 7, name: '贺胜桥镇农产品冷链加工项目', industry_code: 'C13', township_code: '421202104', township_name: '贺胜桥镇', investment_fen: 3000000000,
      },
      score: 87,
      reasons: ['同属农副食品加工业', '籍贯贺胜桥镇，项目在贺胜桥镇', '意向投资 1000–5000 万，项目需 3000 万'],
      interested: false,
    },
    {
      project: {
        id: 9, name: '茶叶精深加工项目', industry: '酒、饮料和精制茶制造业', township: '桂花镇', investment_fen: 800000000,
      },
      score: 61.6,
      reasons: ['意向领域含 茶叶'],
      interested: true,
    },
  ],
};

async function open() {
  const page = mountPage('matches');
  await settle(page, (p) => p.instance.data.status !== 'loading', 'loaded');
  return page;
}

describe('pages/matches', () => {
  test('ranked projects with their score and reasons as tags', async () => {
    fake.route('GET', '/api/v1/me/matches', { statusCode: 200, data: MATCHES });
    const page = await open();

    expect(text(page, '#match-7-name')).toBe('贺胜桥镇农产品冷链加工项目');
    expect(text(page, '#match-7-score')).toBe('87分');
    expect(text(page, '#match-7-reason-0')).toBe('同属农副食品加工业');
    expect(text(page, '#match-7-reason-1')).toBe('籍贯贺胜桥镇，项目在贺胜桥镇');
    expect(text(page, '#match-7-reason-2')).toBe('意向投资 1000–5000 万，项目需 3000 万');
    expect(text(page, '#match-7-amount')).toBe('计划投资 3,000 万元');
    expect(text(page, '#match-9-score')).toBe('62分');
    expect(text(page, '#match-9-amount')).toBe('计划投资 800 万元');
    expect(page.dom.textContent).toContain('桂花镇');
    // The order of the server is kept: the best first.
    const all = page.dom.textContent;
    expect(all.indexOf('贺胜桥镇农产品冷链加工项目')).toBeLessThan(all.indexOf('茶叶精深加工项目'));
  });

  test('感兴趣 is sent once, then the button says 已表示感兴趣 and is off', async () => {
    fake.route('GET', '/api/v1/me/matches', { statusCode: 200, data: MATCHES });
    fake.route('POST', '/api/v1/me/matches/7/interest', { statusCode: 201, data: { project_id: 7, interested: true } });
    const page = await open();

    expect(text(page, '#interest-7')).toBe('感兴趣');
    expect(text(page, '#interest-9')).toBe('已表示感兴趣');
    expect(page.instance.data.items[1].interested).toBe(true);

    await tap(page, '#interest-7');
    await settle(page, (p) => text(p, '#interest-7') === '已表示感兴趣', 'interested');
    expect(fake.calls('POST', '/api/v1/me/matches/7/interest')).toHaveLength(1);
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已告诉项目联系单位' }));

    // A second tap sends nothing: the button is off and the handler knows it.
    await page.instance.onInterest({ currentTarget: { dataset: { index: 0 } } });
    await page.instance.onInterest({ currentTarget: { dataset: { index: 1 } } });
    expect(fake.calls('POST', '/api/v1/me/matches/7/interest')).toHaveLength(1);
    expect(fake.calls('POST', '/api/v1/me/matches/9/interest')).toHaveLength(0);
    expect(page.instance.data.items[0].interested).toBe(true);
  });

  test('an interest that fails is explained under the card and can be sent again', async () => {
    fake.route('GET', '/api/v1/me/matches', { statusCode: 200, data: MATCHES });
    fake.route('POST', '/api/v1/me/matches/7/interest', { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: {} });
    const page = await open();

    await tap(page, '#interest-7');
    await settle(page, (p) => find(p, '#match-7-error'), 'error shown');
    expect(text(page, '#match-7-error')).toContain('没有连上网络');
    expect(text(page, '#interest-7')).toBe('感兴趣');

    await tap(page, '#interest-7');
    await settle(page, (p) => text(p, '#interest-7') === '已表示感兴趣', 'interested');
    expect(find(page, '#match-7-error')).toBeFalsy();
  });

  test('tapping a card opens the project', async () => {
    fake.route('GET', '/api/v1/me/matches', { statusCode: 200, data: MATCHES });
    const page = await open();
    await tap(page, '#match-7-open');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/project/project?id=7' }));
  });

  test('no merchant record: a friendly prompt leading to 楚商信息, asked again on return', async () => {
    fake.route('GET', '/api/v1/me/merchant',
      { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记楚商信息') },
      { statusCode: 200, data: MERCHANT });
    fake.route('GET', '/api/v1/me/matches',
      { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记楚商信息') },
      { statusCode: 200, data: MATCHES });
    const page = await open();

    expect(text(page, '#no-merchant')).toContain('您还没有填写楚商信息');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
    await tap(page, '#merchant-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/merchant/merchant' }));

    page.instance.onShow();
    await settle(page, (p) => find(p, '#match-7-name'), 'recommendations after the record');
  });

  test('no merchant record is the prompt whatever the matching route answers', async () => {
    fake.route('GET', '/api/v1/me/merchant', { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记楚商信息') });
    fake.route('GET', '/api/v1/me/matches', { statusCode: 200, data: { items: [] } });
    const page = await open();
    expect(find(page, '#no-merchant')).toBeTruthy();
  });

  test('a record not confirmed for long: a line leading to 楚商信息 above the recommendations', async () => {
    const old = new Date(Date.now() - 200 * 24 * 3600 * 1000 - 60000).toISOString();
    fake.route('GET', '/api/v1/me/merchant', { statusCode: 200, data: Object.assign({}, MERCHANT, { confirmed_at: old, fresh: false }) });
    fake.route('GET', '/api/v1/me/matches', { statusCode: 200, data: MATCHES });
    const page = await open();
    expect(text(page, '#stale-hint')).toContain('您的楚商信息已超过 200 天未确认');
    await tap(page, '#stale-link');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/merchant/merchant' }));
  });

  test('with a record, a matching route that answers 404 NOT_FOUND is an error, not the prompt', async () => {
    fake.route('GET', '/api/v1/me/matches', { statusCode: 404, data: envelope('NOT_FOUND', '请求的资源不存在') });
    const page = await open();
    expect(find(page, '#no-merchant')).toBeFalsy();
    expect(text(page, '#state >>> #state-message')).toBe('请求的资源不存在');
  });

  test('an interest answered 409 (no merchant record) turns to the prompt', async () => {
    fake.route('GET', '/api/v1/me/matches', { statusCode: 200, data: MATCHES });
    fake.route('POST', '/api/v1/me/matches/7/interest', { statusCode: 409, data: envelope('NOT_REGISTERED', '请先填写楚商信息') });
    const page = await open();
    await tap(page, '#interest-7');
    await settle(page, (p) => find(p, '#no-merchant'), 'prompt');
  });

  test('nothing to recommend: says why and how to get better ones', async () => {
    fake.route('GET', '/api/v1/me/matches', { statusCode: 200, data: { items: [] } });
    const page = await open();
    expect(text(page, '#state')).toContain('暂时没有和您的意向相符的项目');
    expect(find(page, '#stale-hint')).toBeFalsy();
    await tap(page, '#empty-projects-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/projects/projects' }));
  });

  test('a failed load is said in Chinese with 重新加载', async () => {
    fake.route('GET', '/api/v1/me/matches', { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: MATCHES });
    const page = await open();
    expect(text(page, '#state >>> #state-message')).toBe(MESSAGES.NETWORK);
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#match-7-name'), 'reloaded');
    expect(text(page, '#interest-7')).toBe('感兴趣');
  });
});
