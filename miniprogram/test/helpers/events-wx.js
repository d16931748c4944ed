/**
 * The fake `wx` of helpers/fake-wx.js, made as strict as a phone for the
 * check-in, events and points pages:
 *
 * - showModal with a confirmText or cancelText over 4 characters fails
 *   (WeChat does not show such a dialog at all);
 * - previewImage refuses `data:` URLs (phones show nothing) and files that
 *   were never written;
 * - getFileSystemManager().writeFile keeps files in `fake.files`, under
 *   wx.env.USER_DATA_PATH;
 * - scanCode answers from `fake.scans` in order: a string (a QR code's text),
 *   an object (the whole success result, e.g. a 小程序码's `path`) or
 *   { fail: { errMsg } };
 * - switchTab / reLaunch are recorded like navigateTo.
 */
const { createFakeWx, envelope, BASE_URL } = require('./fake-wx');

const USER_DATA_PATH = 'wxfile://usr';
const MAX_BUTTON_CHARS = 4;

function createStrictWx(options) {
  const fake = createFakeWx(options);
  const { wx } = fake;
  const deliver = (fn) => setTimeout(fn, 0);

  fake.files = new Map();
  fake.scans = [];
  fake.refused = [];
  fake.modalAnswer = { confirm: true, cancel: false };

  const refuse = (api, opts, errMsg) => {
    fake.refused.push({ api, errMsg, opts });
    deliver(() => {
      if (opts && opts.fail) opts.fail({ errMsg });
      if (opts && opts.complete) opts.complete({ errMsg });
    });
  };

  wx.env = { USER_DATA_PATH };

  wx.showModal = jest.fn((opts) => {
    const long = ['confirmText', 'cancelText'].find((k) => opts[k] && Array.from(opts[k]).length > MAX_BUTTON_CHARS);
    if (long) {
      refuse('showModal', opts, `showModal:fail ${long} length should not larger than 4 Chinese characters`);
      return;
    }
    deliver(() => opts.success && opts.success(Object.assign({ errMsg: 'showModal:ok' }, fake.modalAnswer)));
  });

  wx.previewImage = jest.fn((opts) => {
    const urls = (opts && opts.urls) || [];
    const bad = urls.find((u) => /^data:/i.test(u) || (u.startsWith(`${USER_DATA_PATH}/`) && !fake.files.has(u)));
    if (bad !== undefined || !urls.length) {
      refuse('previewImage', opts, 'previewImage:fail invalid url');
      return;
    }
    deliver(() => opts.success && opts.success({ errMsg: 'previewImage:ok' }));
  });

  const fs = {
    writeFile: jest.fn((opts) => {
      if (!String(opts.filePath || '').startsWith(`${USER_DATA_PATH}/`)) {
        refuse('writeFile', opts, 'writeFile:fail permission denied');
        return;
      }
      fake.files.set(opts.filePath, { data: opts.data, encoding: opts.encoding });
      deliver(() => opts.success && opts.success({ errMsg: 'writeFile:ok' }));
    }),
  };
  wx.getFileSystemManager = jest.fn(() => fs);
  fake.fs = fs;

  wx.scanCode = jest.fn((opts) => {
    const next = fake.scans.length ? fake.scans.shift() : { fail: { errMsg: 'scanCode:fail cancel' } };
    deliver(() => {
      if (next && next.fail) {
        opts.fail(next.fail);
        fake.scanAnswered = (fake.scanAnswered || 0) + 1;
        return;
      }
      const res = typeof next === 'string'
        ? { result: next, scanType: 'QR_CODE', charSet: 'utf-8', errMsg: 'scanCode:ok' }
        : Object.assign({ scanType: 'WX_CODE', charSet: 'utf-8', errMsg: 'scanCode:ok' }, next);
      opts.success(res);
      fake.scanAnswered = (fake.scanAnswered || 0) + 1;
    });
  });

  wx.switchTab = jest.fn((opts) => deliver(() => opts && opts.success && opts.success({ errMsg: 'switchTab:ok' })));
  wx.reLaunch = jest.fn((opts) => deliver(() => opts && opts.success && opts.success({ errMsg: 'reLaunch:ok' })));

  return fake;
}

module.exports = {
  createStrictWx, envelope, BASE_URL, USER_DATA_PATH,
};
