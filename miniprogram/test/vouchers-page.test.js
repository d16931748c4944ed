/**
 * 我的券 (pages/vouchers): the code in large letters with a QR code drawn
 * on the phone, statuses in words, and cancelling an unused voucher after a
 * confirmation.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap,
} = require('./helpers/page');
const { voucher } = require('./helpers/backend');
const { qrDataUrl } = require('../lib/qr');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

const VOUCHERS = [
  voucher(),
  voucher({
    id: 30, code: 'QRST23456789', qr: 'huixiang:voucher:QRST23456789', status: 'used', used_at: '2026-11-27T01:05:00Z', used_by_staff_id: 4,
  }),
  voucher({ id: 29, code: 'MNPQ23456789', status: 'issued', expires_at: '2026-01-01T00:00:00Z' }),
];

function attr(page, selector, name) {
  const node = find(page, selector);
  return node && node.dom.getAttribute(name);
}

async function open() {
  const page = mountPage('vouchers');
  // The slot's nodes exist while state-view still shows 正在加载: wait for it to go.
  await settle(page, (p) => text(p, '#state') !== '正在加载，请稍候…' && (find(p, '#voucher-31') || find(p, '#no-vouchers') || find(p, '#state >>> #state-error') || find(p, '#unregistered')), 'vouchers');
  return page;
}

const lastModal = () => fake.wx.showModal.mock.calls[fake.wx.showModal.mock.calls.length - 1][0];

describe('pages/vouchers', () => {
  test('a usable voucher shows its code large, grouped, and its QR code', async () => {
    fake.route('GET', '/api/v1/me/vouchers', { statusCode: 200, data: { items: VOUCHERS } });
    const page = await open();

    expect(text(page, '#voucher-31-code')).toBe('ABCD 2345 6789');
    expect(text(page, '#voucher-31-status')).toBe('可使用');
    const qr = page.instance.data.listItems[0].qrImage;
    expect(qr).toMatch(/^data:image\/gif;base64,/);
    expect(qr).toBe(qrDataUrl('huixiang:voucher:ABCD23456789'));
    expect(find(page, '#voucher-31-qr')).toBeTruthy();
    expect(text(page, '#voucher-31-when')).toBe('有效期至 2099年6月30日 23:59');
    expect(find(page, '#cancel-31')).toBeTruthy();

  });

  test('tapping the QR code enlarges it from a local file (phones show no data: URL)', async () => {
    fake.route('GET', '/api/v1/me/vouchers', { statusCode: 200, data: { items: VOUCHERS } });
    const page = await open();

    await tap(page, '#voucher-31-qr');
    await settle(page, () => fake.wx.previewImage.mock.calls.length === 1, 'preview');
    const path = 'wxfile://usr/voucher-qr-31.gif';
    expect(fake.fs.writeFile).toHaveBeenCalledWith(expect.objectContaining({ filePath: path, encoding: 'base64' }));
    const big = qrDataUrl('huixiang:voucher:ABCD23456789', 16, 4);
    expect(fake.files.get(path).data).toBe(big.slice(big.indexOf(',') + 1));
    expect(fake.wx.previewImage).toHaveBeenCalledWith(expect.objectContaining({ urls: [path], current: path }));
    await settle(page, () => true);
    expect(fake.refused).toEqual([]);
  });

  test('not registered: sent to 返乡登记', async () => {
    fake.route('GET', '/api/v1/me/vouchers', { statusCode: 404, data: envelope('NOT_REGISTERED', '未登记') });
    const page = await open();
    await settle(page, (p) => (text(p, '#state') || '').includes('您还没有登记。先做返乡登记'), 'register');
    expect(text(page, '#register-btn')).toBe('去返乡登记');
    await tap(page, '#register-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/register/register' });
  });

  test('used and expired vouchers read plainly, without QR code or cancel', async () => {
    fake.route('GET', '/api/v1/me/vouchers', { statusCode: 200, data: { items: VOUCHERS } });
    const page = await open();

    expect(text(page, '#voucher-30-status')).toBe('已使用');
    expect(text(page, '#voucher-30-when')).toBe('2026年11月27日 09:05 已使用');
    expect(find(page, '#voucher-30-qr')).toBeFalsy();
    expect(find(page, '#cancel-30')).toBeFalsy();
    // Past its expiry before the nightly job ran: shown as expired.
    expect(text(page, '#voucher-29-status')).toBe('已过期');
    expect(find(page, '#cancel-29')).toBeFalsy();
    expect(attr(page, '#voucher-29', 'class')).toContain('voucher-off');
  });

  test('cancel asks first; confirmed, the voucher turns 已取消 and the points come back', async () => {
    fake.route('GET', '/api/v1/me/vouchers', { statusCode: 200, data: { items: [voucher()] } });
    fake.route('POST', '/api/v1/me/vouchers/31/cancel', {
      statusCode: 200, data: voucher({ status: 'cancelled', cancelled_at: '2026-11-28T03:00:00Z' }),
    });
    const page = await open();

    fake.wx.showModal.mockImplementationOnce((opts) => opts.success({ confirm: false, cancel: true }));
    await tap(page, '#cancel-31');
    expect(lastModal().content).toBe('确定取消「家乡景区年卡」吗？取消后 500 积分会退回，这张券不能再使用。');
    expect(fake.calls('POST', '/api/v1/me/vouchers/31/cancel')).toHaveLength(0);

    await tap(page, '#cancel-31');
    await settle(page, (p) => text(p, '#voucher-31-status') === '已取消', 'cancelled');
    expect(fake.calls('POST', '/api/v1/me/vouchers/31/cancel')).toHaveLength(1);
    expect(text(page, '#voucher-31-when')).toBe('2026年11月28日 11:00 已取消，积分已退回');
    expect(find(page, '#voucher-31-qr')).toBeFalsy();
    expect(find(page, '#cancel-31')).toBeFalsy();
    expect(fake.wx.showToast).toHaveBeenCalledWith({ title: '已取消，积分已退回', icon: 'none' });
  });

  test('a voucher used meanwhile cannot be cancelled: plain words and a fresh list', async () => {
    fake.route('GET', '/api/v1/me/vouchers',
      { statusCode: 200, data: { items: [voucher()] } },
      { statusCode: 200, data: { items: [voucher({ status: 'used', used_at: '2026-11-28T03:00:00Z' })] } });
    fake.route('POST', '/api/v1/me/vouchers/31/cancel', {
      statusCode: 409, data: envelope('VOUCHER_NOT_CANCELLABLE', '只有未使用且未过期的券可以取消'),
    });
    const page = await open();

    await tap(page, '#cancel-31');
    await settle(page, (p) => text(p, '#voucher-31-status') === '已使用', 'reloaded');
    expect(fake.wx.showToast).toHaveBeenCalledWith({ title: '这张券已使用或已过期，不能取消', icon: 'none' });
  });

  test('no vouchers yet: a way to the catalogue', async () => {
    fake.route('GET', '/api/v1/me/vouchers', { statusCode: 200, data: { items: [] } });
    const page = await open();
    expect(text(page, '#state')).toContain('您还没有券。用积分兑换权益后，券会出现在这里。');
    await tap(page, '#perks-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/perks/perks' });
  });
});
