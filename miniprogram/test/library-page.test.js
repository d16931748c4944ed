/**
 * 政策 (pages/library): category chips, server-side search, 适合我,
 * 我的收藏, cards with category and expiry, state-view, more on scroll.
 */
const { createFakeWx: createStrictWx } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type,
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

const CATEGORIES = [
  { code: 'startup_subsidy', name: '创业补贴' },
  { code: 'guaranteed_loan', name: '创业担保贷款' },
];

function policy(over) {
  return Object.assign({
    id: 5,
    title: '一次性创业补贴',
    category: 'startup_subsidy',
    targets: ['returnee'],
    summary: '返乡创办经营主体满 6 个月的，补贴 5000 元。',
    expires_on: '2099-12-31',
    published_at: '2026-11-01T02:00:00Z',
  }, over);
}

const page1 = (items, total) => ({
  statusCode: 200,
  data: {
    items, total: total === undefined ? items.length : total, page: 1, page_size: 20, categories: CATEGORIES,
  },
});

const LIST = '/api/v1/policy-library';
const lastQuery = () => {
  const calls = fake.wx.request.mock.calls.map((c) => c[0]).filter((o) => o.url.split('?')[0].endsWith(LIST));
  return calls[calls.length - 1].data;
};

async function open(query) {
  const page = mountPage('library', query);
  await settle(page, (p) => !find(p, '#state >>> #state-loading'), 'loaded');
  return page;
}

describe('pages/library', () => {
  test('cards: title, category name, summary, until when; chips from the server', async () => {
    fake.route('GET', LIST, page1([policy(), policy({
      id: 6, title: '创业担保贷款', category: 'guaranteed_loan', expires_on: null, summary: '',
    })]));
    const page = await open();

    expect(lastQuery()).toEqual({ page: 1 });
    expect(text(page, '#policy-5-title')).toBe('一次性创业补贴');
    expect(text(page, '#policy-5-category')).toBe('创业补贴');
    expect(text(page, '#policy-5-summary')).toContain('5000 元');
    expect(text(page, '#policy-5-expiry')).toBe('有效期至 2099年12月31日');
    expect(text(page, '#policy-6-expiry')).toBe('长期有效');
    expect(find(page, '#policy-6-summary')).toBeFalsy();
    expect(text(page, '#cat-all')).toBe('全部');
    expect(text(page, '#cat-guaranteed_loan')).toBe('创业担保贷款');

    await tap(page, '#policy-6');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/policy/policy?id=6' }));
  });

  test('a category chip asks the server for that category', async () => {
    fake.route('GET', LIST, page1([policy()]));
    const page = await open();
    await tap(page, '#cat-guaranteed_loan');
    await settle(page, () => lastQuery().category === 'guaranteed_loan', 'category asked');
    expect(lastQuery()).toEqual({ page: 1, category: 'guaranteed_loan' });
  });

  test('search is sent to the server; nothing found says so with the words', async () => {
    fake.route('GET', LIST, page1([policy()]), page1([]));
    const page = await open();
    await type(page, '#search', ' 贷款 ');
    await tap(page, '#search-go');
    await settle(page, (p) => find(p, '#state >>> #state-empty'), 'empty');
    expect(lastQuery()).toEqual({ page: 1, q: '贷款' });
    expect(text(page, '#state')).toContain('没有找到含“贷款”的政策');
  });

  test('适合我 and 我的收藏 filter on the server, with their own empty words', async () => {
    fake.route('GET', LIST, page1([policy()]), page1([]), page1([]));
    const page = await open();

    await tap(page, '#for-me');
    await settle(page, (p) => find(p, '#state >>> #state-empty'), 'for me');
    expect(lastQuery()).toEqual({ page: 1, for_me: '1' });
    expect(text(page, '#state')).toContain('暂时没有找到适合您的政策');

    await tap(page, '#favorites');
    await settle(page, () => lastQuery().favorites === '1', 'favourites');
    await settle(page, (p) => text(p, '#state').includes('您还没有收藏政策'), 'favourites empty');
    expect(lastQuery()).toEqual({ page: 1, for_me: '1', favorites: '1' });
  });

  test('more on scroll: the next page is appended', async () => {
    const many = Array.from({ length: 20 }, (_, i) => policy({ id: 100 + i, title: `政策${i}` }));
    fake.route('GET', LIST, page1(many, 21), {
      statusCode: 200,
      data: {
        items: [policy({ id: 200, title: '第二页的政策' })], total: 21, page: 2, page_size: 20, categories: CATEGORIES,
      },
    });
    const page = await open();
    expect(find(page, '#policy-119')).toBeTruthy();
    await page.instance.onReachBottom();
    await settle(page, (p) => find(p, '#policy-200'), 'page 2');
    expect(lastQuery()).toEqual({ page: 2 });
    expect(text(page, '#no-more')).toBe('已经到底了');
  });

  test('a failure shows 重新加载, which loads again', async () => {
    fake.route('GET', LIST, { fail: { errMsg: 'request:fail timeout' } }, page1([policy()]));
    const page = await open();
    expect(find(page, '#state >>> #state-error')).toBeTruthy();
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#policy-5'), 'reloaded');
  });

  test('opened from 我的收藏 link (favorites=1) asks for favourites at once', async () => {
    fake.route('GET', LIST, page1([policy()]));
    await open({ favorites: '1' });
    expect(lastQuery()).toEqual({ page: 1, favorites: '1' });
  });
});

