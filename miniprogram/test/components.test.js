/**
 * The shared components (components/*) and the list behaviour, mounted in
 * small test pages and used as a person would.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, trigger, simulate,
} = require('./helpers/page');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
  global.__fetchPage = () => Promise.resolve({ items: [], hasMore: false });
});

afterEach(() => {
  global.wx = simulateWx;
  delete global.__fetchPage;
});

describe('components/state-view', () => {
  const DEMO = 'test/fixtures/state-demo/state-demo';

  test('loading, then an error with 重新加载, then empty, then the content', async () => {
    const page = mountPage(DEMO);
    await settle(page, (p) => text(p, '#state') === '正在加载，请稍候…');

    page.setData({ status: 'error', message: '' });
    await settle(page, (p) => (text(p, '#state') || '').includes('请检查手机是否连上网络'));
    expect(text(page, '#state >>> #state-retry')).toBe('重新加载');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => text(p, '#retries') === '1');

    page.setData({ status: 'empty' });
    await settle(page, (p) => text(p, '#state') === '还没有消息');

    page.setData({ status: 'ready' });
    await settle(page, (p) => text(p, '#state') === '内容');
  });
});

describe('components/phone-binding', () => {
  const DEMO = 'test/fixtures/components-demo/components-demo';

  test('binds the phone from the getPhoneNumber tap and shows it masked', async () => {
    fake.route('POST', '/api/v1/me/phone', { statusCode: 200, data: { phone: '138****5678' } });
    const page = mountPage(DEMO);
    await settle(page, (p) => find(p, '#binding >>> #bind-phone-btn'));

    await trigger(page, '#binding >>> #bind-phone-btn', 'getphonenumber', { errMsg: 'getPhoneNumber:ok', code: 'c-1' });
    await settle(page, (p) => text(p, '#bound-to') === '138****5678');
    expect(fake.calls('POST', '/api/v1/me/phone')[0].data).toEqual({ code: 'c-1' });
    expect(text(page, '#binding >>> #phone')).toBe('138****5678');
  });

  test('only the user\'s own 拒绝 is reported as cancelled', async () => {
    const page = mountPage(DEMO);
    await settle(page, (p) => find(p, '#binding >>> #bind-phone-btn'));

    await trigger(page, '#binding >>> #bind-phone-btn', 'getphonenumber', { errMsg: 'getPhoneNumber:fail user deny' });
    await trigger(page, '#binding >>> #bind-phone-btn', 'getphonenumber', { errMsg: 'getPhoneNumber:fail no permission' });
    await simulate.sleep(5);
    const titles = fake.wx.showToast.mock.calls.map((c) => c[0].title);
    expect(titles).toEqual(['您已取消授权，可随时再绑定手机号', '暂时没拿到手机号，请稍后再点一次']);
    expect(fake.wx.request).not.toHaveBeenCalled();
  });
});

describe('components/privacy-notice and privacy-popup', () => {
  const DEMO = 'test/fixtures/components-demo/components-demo';

  test('the notice is one plain sentence with a link to the policy', async () => {
    const page = mountPage(DEMO);
    await settle(page, (p) => find(p, '#notice'));
    expect(text(page, '#notice')).toContain('您填的银行卡号只用来办这件事');
    await tap(page, '#notice >>> #privacy-link');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/privacy/privacy' }));
  });

  test('WeChat asks for consent: our popup; 同意 lets WeChat go on and records the version', async () => {
    fake.route('POST', '/api/v1/me/privacy-consent', { statusCode: 204 });
    const page = mountPage(DEMO);
    await settle(page, (p) => find(p, '#popup'));
    expect(text(page, '#popup')).toBe('');

    const asked = fake.needPrivacy();
    await settle(page, (p) => (text(p, '#popup') || '').includes('手机号、身份证号、银行卡号'));
    expect(text(page, '#popup')).toContain('2026-12-01');

    await trigger(page, '#popup >>> #privacy-agree', 'agreeprivacyauthorization', {});
    await settle(page, () => asked.resolve.mock.calls.length === 1);
    expect(asked.resolve).toHaveBeenCalledWith({ buttonId: 'privacy-agree', event: 'agree' });
    await settle(page, () => fake.calls('POST', '/api/v1/me/privacy-consent').length === 1);
    expect(fake.calls('POST', '/api/v1/me/privacy-consent')[0].data).toEqual({ version: '2026-12-01' });
    await settle(page, (p) => text(p, '#popup') === '');
  });

  test('不同意 tells WeChat no and sends nothing', async () => {
    const page = mountPage(DEMO);
    await settle(page, (p) => find(p, '#popup'));
    const asked = fake.needPrivacy();
    await settle(page, (p) => (text(p, '#popup') || '').includes('不同意'));
    await tap(page, '#popup >>> #privacy-decline');
    await settle(page, () => asked.resolve.mock.calls.length === 1);
    expect(asked.resolve).toHaveBeenCalledWith({ event: 'disagree' });
    expect(fake.wx.request).not.toHaveBeenCalled();
  });
});

describe('lib/list-behavior', () => {
  const DEMO = 'test/fixtures/components-demo/components-demo';
  const rows = (from, n) => Array.from({ length: n }, (_, i) => ({ id: from + i, name: `第${from + i}条` }));

  test('first page, more at the bottom, a failed page offers 再试一次, pull-down starts over', async () => {
    const answers = {
      1: [{ items: rows(1, 2), hasMore: true }],
      2: ['fail', { items: rows(3, 1), hasMore: false }],
    };
    global.__fetchPage = jest.fn((n) => {
      const a = answers[n].length > 1 ? answers[n].shift() : answers[n][0];
      return a === 'fail' ? Promise.reject(new Error('net')) : Promise.resolve(a);
    });
    const page = mountPage(DEMO);
    await settle(page, (p) => text(p, '#list-state') === '第1条第2条');

    page.instance.onReachBottom();
    await settle(page, (p) => (text(p, '#list-state') || '').includes('再试一次'));
    await tap(page, '#list-state >>> #more-failed');
    await settle(page, (p) => text(p, '#list-state') === '第1条第2条第3条');
    page.instance.onReachBottom();
    expect(global.__fetchPage).toHaveBeenCalledTimes(3);

    page.instance.onPullDownRefresh();
    await settle(page, (p) => text(p, '#list-state') === '第1条第2条');
    expect(fake.wx.stopPullDownRefresh).toHaveBeenCalled();
  });

  test('nothing yet: the empty text; a failed first load: 重新加载', async () => {
    global.__fetchPage = jest.fn()
      .mockReturnValueOnce(Promise.reject(Object.assign(new Error('x'), { message: '网络断了，请连上网络后再试' })))
      .mockReturnValue(Promise.resolve({ items: [], hasMore: false }));
    const page = mountPage(DEMO);
    await settle(page, (p) => (text(p, '#list-state') || '').includes('网络断了'));
    await tap(page, '#list-state >>> #state-retry');
    await settle(page, (p) => text(p, '#list-state') === '还没有记录');
  });
});
