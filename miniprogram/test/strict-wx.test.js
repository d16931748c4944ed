/**
 * The fake wx (helpers/fake-wx.js) refuses what a phone refuses, and a test
 * that lets such a refusal pass unnoticed fails. One test per rule, each
 * showing the rule catches its violation; then the harness's tap.
 */
const fakeWx = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, simulate, inUserTap,
} = require('./helpers/page');
const { TEMPLATE_ID, policiesBody } = require('./helpers/backend');

const {
  createFakeWx, RULES, KNOWN_VIOLATIONS, USER_DATA_PATH, duringUserTap, checkViolations,
} = fakeWx;

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(async () => {
  await simulate.sleep(10);
  global.wx = simulateWx;
});

/** Calls a callback-style wx API; resolves with { ok, res }. */
function call(api, opts) {
  return new Promise((resolve) => {
    api(Object.assign({}, opts, {
      success: (res) => resolve({ ok: true, res }),
      fail: (res) => resolve({ ok: false, res }),
    }));
  });
}

const rulesOf = (violations) => violations.map((v) => v.rule);

describe('a refusal nobody noticed fails the test', () => {
  test('the check run after every test throws with what the phone refused', async () => {
    await call(fake.wx.showModal, { title: '兑换成功', confirmText: '查看我的券' });
    const other = createFakeWx();
    await call(other.wx.previewImage, { urls: ['data:image/gif;base64,R0lGOD'] });
    expect(fake.refused).toBe(fake.violations);
    expect(globalThis[Symbol.for('huixiang.test.fakeWxRegistry')].hooked).toBe(true);

    // checkViolations is what fake-wx.js installed with afterEach.
    expect(() => checkViolations()).toThrow(/the phone refused 2 call\(s\)[^]*modal-button-too-long[^]*preview-data-url/);
    // It has looked at them: the next check (after this test) is clean.
    expect(() => checkViolations()).not.toThrow();
  });

  test('takeViolations() hands them to the test, which has then noticed them', async () => {
    await call(fake.wx.showModal, { confirmText: '查看我的券' });
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.MODAL_BUTTON]);
    expect(fake.violations).toEqual([]);
    expect(() => checkViolations()).not.toThrow();
  });
});

describe('showModal: buttons of at most 4 characters', () => {
  test('confirmText over 4 characters: no dialog, fail with WeChat\'s words', async () => {
    const { ok, res } = await call(fake.wx.showModal, { title: '兑换成功', confirmText: '查看我的券', cancelText: '继续逛逛' });
    expect(ok).toBe(false);
    expect(res.errMsg).toBe('showModal:fail confirmText length should not larger than 4 Chinese characters');
    expect(fake.takeViolations()).toEqual([expect.objectContaining({
      api: 'showModal', rule: RULES.MODAL_BUTTON, detail: "confirmText '查看我的券' has 5 characters",
    })]);
  });

  test('cancelText too; 4 characters (an emoji is one) pass', async () => {
    expect((await call(fake.wx.showModal, { cancelText: '暂时不用了' })).ok).toBe(false);
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.MODAL_BUTTON]);
    expect((await call(fake.wx.showModal, { confirmText: '看我的券', cancelText: '好的👍' })).ok).toBe(true);
    expect(fake.violations).toEqual([]);
  });

  test('a test\'s own mockImplementation is checked as well', async () => {
    const answered = jest.fn();
    fake.wx.showModal.mockImplementation((opts) => {
      answered();
      opts.success({ confirm: false, cancel: true });
    });
    expect((await call(fake.wx.showModal, { confirmText: '确定取消兑换' })).ok).toBe(false);
    expect(answered).not.toHaveBeenCalled();
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.MODAL_BUTTON]);

    fake.wx.showModal.mockImplementationOnce((opts) => opts.success({ confirm: true }));
    expect((await call(fake.wx.showModal, { confirmText: '五个字按钮' })).ok).toBe(false);
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.MODAL_BUTTON]);
  });
});

describe('previewImage: phones show files and http(s) pictures, not data: URLs', () => {
  test('a data: URL is refused', async () => {
    const { ok, res } = await call(fake.wx.previewImage, { urls: ['data:image/gif;base64,R0lGODlh'] });
    expect(ok).toBe(false);
    expect(res.errMsg).toBe('previewImage:fail invalid url');
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.PREVIEW_DATA_URL]);
  });

  test('a file under USER_DATA_PATH must have been written; nothing to show is refused', async () => {
    const file = `${USER_DATA_PATH}/voucher-qr-7.gif`;
    expect((await call(fake.wx.previewImage, { urls: [file] })).ok).toBe(false);
    expect((await call(fake.wx.previewImage, { urls: [] })).ok).toBe(false);
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.PREVIEW_BAD_URL, RULES.PREVIEW_BAD_URL]);

    await call(fake.wx.getFileSystemManager().writeFile, { filePath: file, data: 'R0lG', encoding: 'base64' });
    expect((await call(fake.wx.previewImage, { urls: [file, 'https://example.test/a.jpg'] })).ok).toBe(true);
    expect(fake.violations).toEqual([]);
  });
});

describe('writeFile: only under wx.env.USER_DATA_PATH', () => {
  test('anywhere else is refused', async () => {
    const { ok, res } = await call(fake.wx.getFileSystemManager().writeFile, { filePath: '/tmp/qr.gif', data: '' });
    expect(ok).toBe(false);
    expect(res.errMsg).toBe('writeFile:fail permission denied');
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.WRITE_OUTSIDE]);
    expect(fake.files.size).toBe(0);
  });
});

describe('requestSubscribeMessage: only inside a user\'s tap', () => {
  const ask = () => call(fake.wx.requestSubscribeMessage, { tmplIds: ['T1'] });

  test('outside a tap it fails as on the phone', async () => {
    const { ok, res } = await ask();
    expect(ok).toBe(false);
    expect(res.errMsg).toBe('requestSubscribeMessage:fail can only be invoked by user TAP gesture.');
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.SUBSCRIBE_OUTSIDE_TAP]);
  });

  test('synchronously inside a tap it asks; after an await in the handler it is too late', async () => {
    const inside = await duringUserTap(() => ask());
    expect(inside).toEqual({ ok: true, res: { errMsg: 'requestSubscribeMessage:ok', T1: 'accept' } });
    expect(fake.violations).toEqual([]);

    const late = await duringUserTap(() => Promise.resolve().then(() => ask()));
    expect(late.ok).toBe(false);
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.SUBSCRIBE_OUTSIDE_TAP]);
  });

  test('a page asking from the tap page.js dispatches passes; the same handler called without a tap is caught', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    fake.route('GET', '/api/v1/me/messages', {
      statusCode: 200,
      data: {
        items: [
          { id: 9, title: '申请进度通知', body: '', page: 'pages/application/application?id=42', created_at: '2026-11-21T03:00:00Z', read_at: null },
          { id: 8, title: '申请进度通知', body: '', page: 'pages/application/application?id=41', created_at: '2026-11-20T03:00:00Z', read_at: null },
        ],
        unread: 2,
      },
    });
    fake.route('POST', '/api/v1/me/messages/9/read', { statusCode: 204 });
    fake.route('POST', '/api/v1/me/messages/8/read', { statusCode: 204 });
    fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { [TEMPLATE_ID]: 1 } } });
    const page = mountPage('messages');
    await settle(page, (p) => find(p, '#msg-9') && find(p, '#msg-8'), 'inbox');

    await tap(page, '#msg-9');
    await settle(page, () => fake.wx.navigateTo.mock.calls.length === 1, 'opened');
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(fake.violations).toEqual([]);

    // The handler run by hand, as a test that skips the harness would.
    await page.instance.onOpen({ currentTarget: { dataset: { id: 8 } } });
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.SUBSCRIBE_OUTSIDE_TAP]);
  });

  test('page.js tap() marks only the synchronous part of the handler', async () => {
    const page = mountPage('services');
    await settle(page, (p) => find(p, '#go-register'), 'services');
    const seen = [];
    const original = page.instance.onOpen;
    page.instance.onOpen = function onOpen(e) {
      seen.push(['sync', inUserTap()]);
      Promise.resolve().then(() => seen.push(['after await', inUserTap()]));
      return original.call(this, e);
    };
    expect(inUserTap()).toBe(false);
    await tap(page, '#go-register');
    expect(seen).toEqual([['sync', true], ['after await', false]]);
    expect(inUserTap()).toBe(false);
  });
});

describe('privacy and camera refusals', () => {
  test('不同意: the API that needed the consent fails with errno 104', async () => {
    fake.privacyAuthorized = false;
    fake.wx.onNeedPrivacyAuthorization((resolve, info) => {
      expect(info).toEqual({ referrer: 'chooseMedia' });
      resolve({ event: 'disagree' });
    });
    const { ok, res } = await call(fake.wx.chooseMedia, { count: 1 });
    expect(ok).toBe(false);
    expect(res).toEqual({ errMsg: 'chooseMedia:fail privacy permission is not authorized', errno: 104 });
  });

  test('同意: the call goes on, and later calls are not asked again', async () => {
    fake.privacyAuthorized = false;
    const handler = jest.fn((resolve) => resolve({ buttonId: 'privacy-agree', event: 'agree' }));
    fake.wx.onNeedPrivacyAuthorization(handler);
    expect((await call(fake.wx.chooseMedia, { count: 1 })).ok).toBe(true);
    expect((await call(fake.wx.chooseMessageFile, { count: 1 })).ok).toBe(true);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  test('no popup of our own on the page: caught (WeChat\'s own would interrupt)', async () => {
    fake.privacyAuthorized = false;
    const { ok, res } = await call(fake.wx.scanCode, {});
    expect(ok).toBe(false);
    expect(res.errMsg).toBe('scanCode:fail privacy permission is not authorized');
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.PRIVACY_POPUP_MISSING]);
  });

  test('a refused camera: scanCode fails with auth deny', async () => {
    fake.camera = 'denied';
    fake.scans.push('huixiang:event:12:tk');
    const { ok, res } = await call(fake.wx.scanCode, {});
    expect(ok).toBe(false);
    expect(res.errMsg).toBe('scanCode:fail auth deny');
  });
});

describe('phone calls and the position', () => {
  test('makePhoneCall: digits (with + or -) pass; words, spaces or nothing are refused', async () => {
    expect((await call(fake.wx.makePhoneCall, { phoneNumber: '0715-8123456' })).ok).toBe(true);
    expect((await call(fake.wx.makePhoneCall, { phoneNumber: '+8613812345678' })).ok).toBe(true);
    const bad = await call(fake.wx.makePhoneCall, { phoneNumber: '0715 8123456（工作日）' });
    expect(bad.ok).toBe(false);
    await call(fake.wx.makePhoneCall, {});
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.PHONE_NUMBER, RULES.PHONE_NUMBER]);
  });

  test('getLocation: gcj02 answers the scripted position; other types are refused', async () => {
    const ok = await call(fake.wx.getLocation, { type: 'gcj02' });
    expect(ok.res).toEqual(expect.objectContaining({ latitude: 29.852, longitude: 114.322 }));
    await call(fake.wx.getLocation, {});
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.LOCATION_TYPE]);
  });

  test('getLocation refused by the user or with the location service off fails as on a phone', async () => {
    fake.location = 'denied';
    expect((await call(fake.wx.getLocation, { type: 'gcj02' })).res.errMsg).toBe('getLocation:fail auth deny');
    fake.location = 'off';
    expect((await call(fake.wx.getLocation, { type: 'gcj02' })).res.errMsg).toBe('getLocation:fail system permission denied');
    expect(fake.violations).toEqual([]);
  });

  test('getLocation undeclared in app.json is refused', async () => {
    const fsMod = require('fs'); // eslint-disable-line global-require
    const real = fsMod.readFileSync;
    const spy = jest.spyOn(fsMod, 'readFileSync').mockImplementation((file, ...rest) => {
      if (String(file).endsWith('app.json')) return JSON.stringify({ pages: ['pages/index/index'] });
      return real.call(fsMod, file, ...rest);
    });
    try {
      await call(fake.wx.getLocation, { type: 'gcj02' });
    } finally {
      spy.mockRestore();
    }
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.LOCATION_UNDECLARED]);
  });

  test('openLocation needs numeric latitude and longitude', async () => {
    expect((await call(fake.wx.openLocation, { latitude: 29.96, longitude: 114.35, name: '驿站' })).ok).toBe(true);
    await call(fake.wx.openLocation, { latitude: '29.96', longitude: null });
    expect(rulesOf(fake.takeViolations())).toEqual([RULES.OPEN_LOCATION]);
  });
});

describe('KNOWN_VIOLATIONS', () => {
  test('a listed test file and rule is tolerated: the call behaves as before the rule', async () => {
    const entry = { file: 'strict-wx.test.js', rule: RULES.MODAL_BUTTON };
    KNOWN_VIOLATIONS.push(entry);
    try {
      const { ok } = await call(fake.wx.showModal, { confirmText: '查看我的券' });
      expect(ok).toBe(true);
      expect(fake.violations).toEqual([]);
      expect(rulesOf(fake.tolerated)).toEqual([RULES.MODAL_BUTTON]);
      // Other rules stay enforced in the same file.
      expect((await call(fake.wx.previewImage, { urls: ['data:,x'] })).ok).toBe(false);
      expect(rulesOf(fake.takeViolations())).toEqual([RULES.PREVIEW_DATA_URL]);
    } finally {
      KNOWN_VIOLATIONS.splice(KNOWN_VIOLATIONS.indexOf(entry), 1);
    }
  });

  test('every entry names a test file that exists and a rule that exists', () => {
    // eslint-disable-next-line global-require
    const fs = require('fs');
    // eslint-disable-next-line global-require
    const path = require('path');
    KNOWN_VIOLATIONS.forEach((k) => {
      expect(fs.existsSync(path.join(__dirname, k.file))).toBe(true);
      expect(Object.values(RULES)).toContain(k.rule);
    });
  });
});

test('no wx.showModal in the code has a button text over 4 characters (also where no test goes)', () => {
  // eslint-disable-next-line global-require
  const fs = require('fs');
  // eslint-disable-next-line global-require
  const path = require('path');
  const root = path.resolve(__dirname, '..');
  const files = [];
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) walk(full);
    else if (d.name.endsWith('.js')) files.push(full);
  });
  ['pages', 'components', 'lib', 'api'].forEach((dir) => walk(path.join(root, dir)));
  files.push(path.join(root, 'app.js'));
  const long = [];
  let seen = 0;
  files.forEach((file) => {
    const source = fs.readFileSync(file, 'utf8');
    const re = /(confirmText|cancelText)\s*:\s*(['"`])((?:(?!\2).)*)\2/g;
    let m = re.exec(source);
    while (m) {
      seen += 1;
      if (Array.from(m[3]).length > fakeWx.MAX_BUTTON_CHARS) {
        long.push(`${path.relative(root, file)}: ${m[1]} '${m[3]}'`);
      }
      m = re.exec(source);
    }
  });
  expect(seen).toBeGreaterThan(5);
  expect(long).toEqual([]);
});

test('text() reads inside the harness as before (smoke)', async () => {
  const page = mountPage('services');
  await settle(page, (p) => find(p, '#go-register'), 'services');
  expect(text(page, '#go-register')).toContain('返乡登记');
});
