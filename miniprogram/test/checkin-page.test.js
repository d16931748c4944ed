/**
 * 活动签到 (pages/checkin): opened by WeChat's scanner with the 小程序码's
 * scene it signs in silently and checks in at once; inside the app
 * wx.scanCode reads a 小程序码 or the text QR code; refusals and errors in
 * plain words, the result in large text.
 */
const { createFakeWx: createStrictWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, trigger, simulate,
} = require('./helpers/page');

const simulateWx = global.wx;
let fake;

function install(options) {
  fake = createStrictWx(options);
  global.wx = Object.assign({}, simulateWx, fake.wx);
}

beforeEach(() => install({ token: 'tok' }));

afterEach(() => {
  global.wx = simulateWx;
});

const CHECKED_IN = {
  statusCode: 200,
  data: {
    event_id: 12, title: '2026年校友返乡座谈会', checked_in_at: '2026-11-28T06:05:00Z', points: 50,
  },
};

const CODE = 'Xk3_9aQ-bT7mN2pL5vR8cW';

async function open(query) {
  const page = mountPage('checkin', query);
  await settle(page, (p) => find(p, '#scan-btn'), 'page');
  return page;
}

describe('pages/checkin opened by WeChat 扫一扫 on the 小程序码', () => {
  test('checks in at once with the scene and says so in large text', async () => {
    fake.route('POST', '/api/v1/events/12/checkin', CHECKED_IN);
    const page = await open({ scene: encodeURIComponent(`12.${CODE}`) });
    await settle(page, (p) => find(p, '#done'), 'done');

    expect(fake.calls('POST', '/api/v1/events/12/checkin')[0].data).toEqual({ token: CODE });
    expect(fake.wx.scanCode).not.toHaveBeenCalled();
    expect(text(page, '#done-title')).toBe('签到成功，获得 50 积分');
    expect(find(page, '#done-title').dom.className).toContain('headline');
    expect(text(page, '#event-title')).toBe('2026年校友返乡座谈会');
    expect(text(page, '#checked-in-at')).toBe('签到时间 2026年11月28日 14:05');
  });

  test('a first-time visitor with no session is signed in silently first', async () => {
    install({});
    fake.route('POST', '/api/v1/auth/login', { statusCode: 200, data: { token: 'fresh', expires_in: 604800, user: { id: 5 } } });
    fake.route('POST', '/api/v1/events/12/checkin', CHECKED_IN);
    const page = await open({ scene: `12.${CODE}` });
    await settle(page, (p) => find(p, '#done'), 'done');

    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    expect(fake.calls('POST', '/api/v1/auth/login')[0].data).toEqual({ code: 'wx-code-1' });
    const checkin = fake.calls('POST', '/api/v1/events/12/checkin');
    expect(checkin).toHaveLength(1);
    expect(checkin[0].header.Authorization).toBe('Bearer fresh');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('no points: just 签到成功', async () => {
    fake.route('POST', '/api/v1/events/12/checkin', { statusCode: 200, data: Object.assign({}, CHECKED_IN.data, { points: 0 }) });
    const page = await open({ scene: `12.${CODE}` });
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(text(page, '#done-title')).toBe('签到成功');
  });

  test('a network failure keeps the code: 再试一次 sends it again', async () => {
    fake.route('POST', '/api/v1/events/12/checkin', { fail: { errMsg: 'request:fail timeout' } }, CHECKED_IN);
    const page = await open({ scene: `12.${CODE}` });
    await settle(page, (p) => find(p, '#failed'), 'failed');
    expect(text(page, '#failed-message')).toBe('网络不好，这次没有签到成功。请到信号好的地方点“再试一次”');

    await tap(page, '#retry-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
    const calls = fake.calls('POST', '/api/v1/events/12/checkin');
    expect(calls).toHaveLength(2);
    expect(calls[1].data).toEqual({ token: CODE });
  });

  test('a scene that is not ours is refused without calling the server', async () => {
    const page = await open({ scene: 'hello' });
    await settle(page, (p) => find(p, '#failed'), 'failed');
    expect(text(page, '#failed-message')).toBe('这不是活动签到码，请扫活动现场张贴的签到二维码');
    expect(fake.wx.request).not.toHaveBeenCalled();
  });
});

describe('pages/checkin 扫码签到 inside the app', () => {
  test('scan of the text QR code → check-in → the points earned', async () => {
    fake.scans.push('huixiang:event:12:tk_9f8e7d');
    fake.route('POST', '/api/v1/events/12/checkin', CHECKED_IN);
    const page = await open();

    expect(text(page, '#scan-btn')).toBe('扫码签到');
    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#done'), 'done');

    expect(fake.wx.scanCode).toHaveBeenCalledWith(expect.objectContaining({ onlyFromCamera: false }));
    expect(fake.wx.scanCode.mock.calls[0][0].scanType).toEqual(expect.arrayContaining(['qrCode', 'wxCode']));
    expect(fake.calls('POST', '/api/v1/events/12/checkin')[0].data).toEqual({ token: 'tk_9f8e7d' });
    expect(text(page, '#done-title')).toBe('签到成功，获得 50 积分');
    expect(text(page, '#scan-btn')).toBe('再扫一次');
  });

  test.each([
    ['iOS (scene encoded)', `pages/checkin/checkin?scene=${encodeURIComponent(`12.${CODE}`)}`],
    ['Android (scene as is)', `pages/checkin/checkin?scene=12.${CODE}`],
  ])('a scanned 小程序码 is understood: %s', async (what, path) => {
    fake.scans.push({ result: '*wx-code-data*', path });
    fake.route('POST', '/api/v1/events/12/checkin', CHECKED_IN);
    const page = await open();
    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.calls('POST', '/api/v1/events/12/checkin')[0].data).toEqual({ token: CODE });
  });

  test('the intro leads to 活动报名', async () => {
    const page = await open();
    await tap(page, '#events-link');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/events/events' });
  });

  test('opened from the home page with scan=1, the camera opens at once', async () => {
    fake.scans.push('huixiang:event:12:tk');
    fake.route('POST', '/api/v1/events/12/checkin', CHECKED_IN);
    const page = await open({ scan: '1' });
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.wx.scanCode).toHaveBeenCalledTimes(1);
  });

  test('anything but an event code is refused without calling the server', async () => {
    fake.scans.push('https://weixin.qq.com/some-page', 'huixiang:voucher:ABCD23456789');
    const page = await open();

    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#failed'), 'refused');
    expect(text(page, '#failed-message')).toBe('这不是活动签到码，请扫活动现场张贴的签到二维码');

    await tap(page, '#scan-btn');
    await settle(page, (p) => text(p, '#failed-message') === '这是兑换券的二维码，请扫活动现场的签到二维码', 'voucher');
    expect(fake.wx.request).not.toHaveBeenCalled();
  });

  // The camera's cancel arrives after the tap; the page must have handled
  // it (scanAnswered, then the promise chain) before anything is checked.
  // Without the guard in onScan this test fails: #failed shows
  // "没能打开扫码，请稍后再试".
  test('closing the camera says nothing', async () => {
    fake.scans.push({ fail: { errMsg: 'scanCode:fail cancel' } });
    const page = await open();
    await tap(page, '#scan-btn');
    await settle(page, () => fake.scanAnswered === 1, 'camera closed');
    await simulate.sleep(20);
    expect(find(page, '#failed')).toBeFalsy();
    expect(find(page, '#done')).toBeFalsy();
    expect(find(page, '#intro')).toBeTruthy();
    expect(text(page, '#scan-btn')).toBe('扫码签到');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('a camera WeChat may not use is explained, with what to do', async () => {
    fake.camera = 'denied';
    fake.scans.push('huixiang:event:12:tk');
    const page = await open();
    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#failed'), 'failed');
    expect(text(page, '#failed-message')).toBe('微信没有相机权限。请点右上角“···”→“设置”，打开“摄像头”后再扫');
    expect(fake.wx.request).not.toHaveBeenCalled();
  });

  test('不同意 in our privacy popup: the scan fails (errno 104) and the page says what to do', async () => {
    fake.privacyAuthorized = false;
    fake.scans.push('huixiang:event:12:tk');
    const page = await open();
    await tap(page, '#scan-btn');
    // WeChat asks our popup instead of opening the camera.
    await settle(page, (p) => find(p, '#privacy-popup >>> #privacy-decline'), 'popup');
    expect(fake.scanAnswered).toBe(0);

    await tap(page, '#privacy-popup >>> #privacy-decline');
    await settle(page, (p) => find(p, '#failed'), 'failed');
    expect(text(page, '#failed-message')).toBe('没有同意《隐私保护指引》，所以没能打开扫码。想签到，请再点下面的扫码按钮，在提示里点“同意”');
    expect(fake.privacyAnswers).toEqual([{ event: 'disagree' }]);
    expect(fake.privacyFailures).toEqual([{
      api: 'scanCode', errno: 104, errMsg: 'scanCode:fail privacy permission is not authorized',
    }]);
    expect(fake.wx.request).not.toHaveBeenCalled();
  });

  test('同意 in our privacy popup: WeChat goes on with the scan and the check-in follows', async () => {
    fake.privacyAuthorized = false;
    fake.scans.push('huixiang:event:12:tk');
    fake.route('POST', '/api/v1/me/privacy-consent', { statusCode: 204 });
    fake.route('POST', '/api/v1/events/12/checkin', CHECKED_IN);
    const page = await open();
    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#privacy-popup >>> #privacy-agree'), 'popup');

    await trigger(page, '#privacy-popup >>> #privacy-agree', 'agreeprivacyauthorization', {});
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.privacyAnswers).toEqual([expect.objectContaining({ event: 'agree' })]);
    expect(fake.calls('POST', '/api/v1/me/privacy-consent')).toHaveLength(1);
    expect(fake.calls('POST', '/api/v1/events/12/checkin')[0].data).toEqual({ token: 'tk' });
  });

  test.each([
    [409, 'ALREADY_CHECKED_IN', '您已经签过到了，积分不会重复发放'],
    [409, 'CHECKIN_CLOSED', '这场活动的签到已经结束了'],
    [409, 'CHECKIN_NOT_OPEN', '签到还没开始，请到活动开始时再扫'],
    [404, 'NOT_FOUND', '签到码不对或已失效，请扫活动现场的签到二维码'],
  ])('%i %s is explained plainly', async (status, code, shown) => {
    fake.scans.push('huixiang:event:12:tk');
    fake.route('POST', '/api/v1/events/12/checkin', { statusCode: status, data: envelope(code, 'server words') });
    const page = await open();
    await tap(page, '#scan-btn');
    await settle(page, (p) => find(p, '#failed'), 'failed');
    expect(text(page, '#failed-message')).toBe(shown);
    expect(find(page, '#register-btn')).toBeFalsy();
    expect(find(page, '#retry-btn')).toBeFalsy();
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('not registered: sent to 返乡登记, 校友登记 offered for alumni', async () => {
    fake.route('POST', '/api/v1/events/12/checkin', { statusCode: 404, data: envelope('NOT_REGISTERED', '未登记') });
    const page = await open({ scene: `12.${CODE}` });
    await settle(page, (p) => find(p, '#register-btn'), 'register');
    expect(text(page, '#failed-message')).toBe('签到前要先登记。请先做返乡登记，登记好了再扫一次');
    expect(text(page, '#register-btn')).toBe('去返乡登记');
    await tap(page, '#register-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/register/register' });

    await tap(page, '#alumnus-link');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/alumnus/alumnus' });
  });
});
