/**
 * 积分兑换 (pages/perks): the catalogue by category, the confirmation with
 * the balance after, the Idempotency-Key kept until an answer arrives
 * (and reused by the retry after a network failure), and the 409s in plain
 * words.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap,
} = require('./helpers/page');
const { POINTS, perk, voucher } = require('./helpers/backend');
const { isUuid } = require('../lib/uuid');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

const PERKS = [
  perk(),
  perk({
    id: 8, name: '创业园工位半年', category: 'startup_space', points_price: 2000, stock: null, per_person_limit: null,
  }),
  perk({ id: 9, name: '图书馆借阅卡', category: 'education', points_price: 100, stock: 3 }),
];

function serveCatalogue(balance = 1200) {
  fake.route('GET', '/api/v1/me/points', { statusCode: 200, data: Object.assign({}, POINTS, { balance }) });
  fake.route('GET', '/api/v1/perks', { statusCode: 200, data: { items: PERKS } });
}

async function open() {
  const page = mountPage('perks');
  // The slot's nodes exist while state-view still shows 正在加载: wait for it to go.
  await settle(page, (p) => text(p, '#state') !== '正在加载，请稍候…' && (find(p, '#tabs') || find(p, '#state >>> #state-error')), 'perks');
  return page;
}

const redeemCalls = (id = 7) => fake.calls('POST', `/api/v1/perks/${id}/redeem`);
const keyOf = (call) => call.header['Idempotency-Key'];
const lastModal = () => fake.wx.showModal.mock.calls[fake.wx.showModal.mock.calls.length - 1][0];

describe('pages/perks', () => {
  test('cards show price, stock, limit and validity; tabs filter by category', async () => {
    serveCatalogue();
    const page = await open();

    expect(text(page, '#balance')).toBe('1,200');
    expect(text(page, '#perk-7-price')).toBe('500 积分');
    expect(text(page, '#perk-7-facts')).toBe('剩余 20 份　每人限兑 1 次');
    expect(text(page, '#perk-8-facts')).toBe('不限量　每人不限次数');
    expect(text(page, '#perk-7')).toContain('兑换截止 2027年6月30日');
    expect(text(page, '#redeem-8')).toBe('积分不足');
    expect(text(page, '#tab-all')).toBe('全部');
    expect(find(page, '#tab-procurement')).toBeFalsy();

    await tap(page, '#tab-education');
    expect(find(page, '#perk-9')).toBeTruthy();
    expect(find(page, '#perk-7')).toBeFalsy();
    await tap(page, '#tab-all');
    expect(find(page, '#perk-7')).toBeTruthy();
  });

  test('兑换 asks first with the price and the balance after; 再想想 sends nothing', async () => {
    serveCatalogue();
    const page = await open();
    fake.wx.showModal.mockImplementationOnce((opts) => opts.success({ confirm: false, cancel: true }));

    await tap(page, '#redeem-7');
    expect(lastModal()).toMatchObject({
      title: '确认兑换',
      content: '兑换「家乡景区年卡」需要 500 积分，兑换后剩余 700 积分。',
    });
    expect(redeemCalls()).toHaveLength(0);
    expect(fake.storage.get('redeem_pending')).toBeUndefined();
  });

  test('a network failure keeps the key; 重试 resends the same key and gets the voucher', async () => {
    serveCatalogue();
    fake.route('POST', '/api/v1/perks/7/redeem',
      { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 201, data: voucher(), header: { 'Idempotent-Replayed': 'true' } });
    const page = await open();

    await tap(page, '#redeem-7');
    await settle(page, (p) => find(p, '#perk-7-error'), 'unknown outcome');
    expect(text(page, '#perk-7-error')).toBe('网络不好，还不知道兑换成功没有。请到信号好的地方点“重试”，不会重复扣积分。');
    const firstKey = keyOf(redeemCalls()[0]);
    expect(isUuid(firstKey)).toBe(true);
    expect(fake.storage.get('redeem_pending')['7']).toMatchObject({ perk_id: 7, perk_name: '家乡景区年卡', key: firstKey });
    expect(text(page, '#pending-7')).toContain('「家乡景区年卡」的兑换还没有收到结果');

    await tap(page, '#retry-pending-7');
    await settle(page, () => redeemCalls().length === 2 && !fake.storage.get('redeem_pending'), 'retried');
    expect(keyOf(redeemCalls()[1])).toBe(firstKey);
    await settle(page, () => lastModal().title === '兑换成功', 'success modal');
    expect(lastModal().content).toContain('券码 ABCD 2345 6789');
    // WeChat shows no dialog whose buttons exceed 4 characters: this one is
    // shown, and its confirm leads to 我的券.
    await settle(page, () => fake.wx.navigateTo.mock.calls.length === 1, 'to 我的券');
    expect(fake.refused).toEqual([]);
    expect(fake.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/vouchers/vouchers' });
    await settle(page, (p) => !find(p, '#pending-7'), 'notice gone');
  });

  test('the key survives closing the page: tapping 兑换 again reuses it, then a new tap gets a new one', async () => {
    serveCatalogue();
    fake.route('POST', '/api/v1/perks/7/redeem',
      { fail: { errMsg: 'request:fail' } },
      { statusCode: 201, data: voucher() },
      { statusCode: 201, data: voucher({ id: 32, code: 'WXYZ23456789' }) });
    const first = await open();
    await tap(first, '#redeem-7');
    await settle(first, () => fake.storage.get('redeem_pending'), 'kept');
    const key = keyOf(redeemCalls()[0]);

    // The user closes and reopens the page.
    const page = await open();
    expect(find(page, '#pending-7')).toBeTruthy();
    await tap(page, '#redeem-7');
    expect(lastModal().title).toBe('重试兑换');
    await settle(page, () => redeemCalls().length === 2 && !fake.storage.get('redeem_pending'), 'retry');
    expect(keyOf(redeemCalls()[1])).toBe(key);

    await settle(page, (p) => !p.instance.data.redeeming, 'idle');
    await tap(page, '#redeem-7');
    await settle(page, () => redeemCalls().length === 3, 'new tap');
    expect(keyOf(redeemCalls()[2])).not.toBe(key);
  });

  test.each([
    ['INSUFFICIENT_POINTS', '积分不足', '您的积分不够兑换这项权益'],
    ['OUT_OF_STOCK', '该权益已兑完', '这项权益已经兑完了，请看看其他权益'],
    ['LIMIT_REACHED', '已达到该权益的每人兑换上限', '这项权益每人能兑换的次数您已用完'],
  ])('409 %s is explained plainly and the key is dropped', async (code, serverMessage, shown) => {
    serveCatalogue();
    fake.route('POST', '/api/v1/perks/7/redeem', { statusCode: 409, data: envelope(code, serverMessage) });
    const page = await open();

    await tap(page, '#redeem-7');
    await settle(page, (p) => find(p, '#perk-7-error'), 'error');
    expect(text(page, '#perk-7-error')).toBe(shown);
    expect(lastModal()).toMatchObject({ title: '没有兑换成功', content: shown });
    expect(fake.storage.get('redeem_pending')).toBeUndefined();
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('not registered: 兑换 sends to 返乡登记 instead of redeeming', async () => {
    fake.route('GET', '/api/v1/me/points', { statusCode: 404, data: envelope('NOT_REGISTERED', '未登记') });
    fake.route('GET', '/api/v1/perks', { statusCode: 200, data: { items: PERKS } });
    const page = await open();

    expect(text(page, '#balance-unknown')).toBe('做完返乡登记后可以用积分兑换');
    await tap(page, '#redeem-8');
    await settle(page, () => fake.wx.navigateTo.mock.calls.length === 1, 'navigate');
    expect(lastModal()).toMatchObject({ title: '请先登记', content: '兑换前要先做返乡登记，登记好了再来兑换' });
    expect(fake.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/register/register' });
    expect(redeemCalls(8)).toHaveLength(0);
  });
});
