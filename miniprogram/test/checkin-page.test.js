/**
 * 活动签到 (pages/checkin): wx.scanCode → payload check → POST check-in →
 * the points earned; refusals and errors in plain words.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap,
} = require('./helpers/page');

const simulateWx = global.wx;
let fake;
let scanResults;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  scanResults = [];
  fake.wx.scanCode = jest.fn((opts) => {
    const next = scanResults.shift();
    setTimeout(() => (next.fail ? opts.fail(next.fail) : opts.success({ result: next, scanType: 'QR_CODE', errMsg: 'scanCode:ok' })), 0);
  });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

const CHECKED_IN = {
  statusCode: 200,
  data: {
    event_id: 12, title: '2026年校友返乡座谈会', checked_in_at: '2026-11-28T06:05:00Z', points: 50,
  },
};

async function open(query) {
  const page = mountPage('checkin', query);
  await settle(page, (p) => find(p, '#scan-btn'), 'page');
  return page;
}

describe('pages/checkin', () => {
  test('scan → check-in → the points earned, in Beijing time', async () => {
    scanResults.push('huixiang:event:12:tk_9f8e7d');
    fake.route('POST', '/api/v1/events/12/checkin', CHECKED_IN);
    const page = await open();

    expect(text(page, '#scan-btn')).toBe('扫码签到');
    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#done'), 'done');

    expect(fake.wx.scanCode).toHaveBeenCalledWith(expect.objectContaining({ onlyFromCamera: true, scanType: ['qrCode'] }));
    expect(fake.calls('POST', '/api/v1/events/12/checkin')[0].data).toEqual({ token: 'tk_9f8e7d' });
    expect(text(page, '#event-title')).toBe('2026年校友返乡座谈会');
    expect(text(page, '#checked-in-at')).toBe('签到时间 2026年11月28日 14:05');
    expect(text(page, '#points-earned')).toBe('+50 积分');
    expect(text(page, '#scan-btn')).toBe('再扫一次');
  });

  test('opened from the home page with scan=1, the camera opens at once', async () => {
    scanResults.push('huixiang:event:12:tk');
    fake.route('POST', '/api/v1/events/12/checkin', CHECKED_IN);
    const page = await open({ scan: '1' });
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.wx.scanCode).toHaveBeenCalledTimes(1);
  });

  test('anything but an event code is refused without calling the server', async () => {
    scanResults.push('https://weixin.qq.com/some-page', 'huixiang:voucher:ABCD23456789');
    const page = await open();

    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#failed'), 'refused');
    expect(text(page, '#failed-message')).toBe('这不是活动签到码，请扫活动现场张贴的签到二维码');

    await tap(page, '#scan-btn');
    await settle(page, (p) => text(p, '#failed-message') === '这是兑换券的二维码，请扫活动现场的签到二维码', 'voucher');
    expect(fake.wx.request).not.toHaveBeenCalled();
  });

  test('closing the camera says nothing', async () => {
    scanResults.push({ fail: { errMsg: 'scanCode:fail cancel' } });
    const page = await open();
    await tap(page, '#scan-btn');
    await settle(page, () => fake.wx.scanCode.mock.calls.length === 1, 'scanned');
    await settle(page, () => true);
    expect(find(page, '#failed')).toBeFalsy();
    expect(find(page, '#done')).toBeFalsy();
  });

  test.each([
    [409, 'ALREADY_CHECKED_IN', '您已经签过到了，积分不会重复发放'],
    [409, 'CHECKIN_CLOSED', '这场活动的签到已经结束了'],
    [409, 'CHECKIN_NOT_OPEN', '签到还没开始，请到活动开始时再扫'],
    [404, 'NOT_FOUND', '签到码不对或已失效，请扫活动现场的签到二维码'],
  ])('%i %s is explained plainly', async (status, code, shown) => {
    scanResults.push('huixiang:event:12:tk');
    fake.route('POST', '/api/v1/events/12/checkin', { statusCode: status, data: envelope(code, 'server words') });
    const page = await open();
    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#failed'), 'failed');
    expect(text(page, '#failed-message')).toBe(shown);
    expect(find(page, '#register-btn')).toBeFalsy();
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('not registered: a way to 校友登记', async () => {
    scanResults.push('huixiang:event:12:tk');
    fake.route('POST', '/api/v1/events/12/checkin', { statusCode: 404, data: envelope('NOT_REGISTERED', '未登记') });
    const page = await open();
    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#register-btn'), 'register');
    expect(text(page, '#failed-message')).toBe('签到前请先完成校友登记');
    await tap(page, '#register-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/alumnus/alumnus' });
  });

  test('a network failure asks to scan again', async () => {
    scanResults.push('huixiang:event:12:tk');
    fake.route('POST', '/api/v1/events/12/checkin', { fail: { errMsg: 'request:fail timeout' } });
    const page = await open();
    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#failed'), 'failed');
    expect(text(page, '#failed-message')).toBe('网络不给力，没有签到成功，请再扫一次');
  });
});
