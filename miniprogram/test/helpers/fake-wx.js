/**
 * A fake `wx` global with an in-memory storage and a scriptable backend.
 *
 *   const fake = createFakeWx({ token: 'abc' });
 *   fake.route('GET', '/api/v1/me', { statusCode: 200, data: {...} });
 *   fake.route('GET', '/api/v1/me', (opts) => ({ statusCode: 401, data: ... }));
 *   fake.route('GET', '/api/v1/me', { fail: { errMsg: 'request:fail timeout' } });
 *
 * Several responses for one route are consumed in order; the last one is
 * then reused. Responses are delivered asynchronously like the real API.
 * `fake.pending(...)` returns a response that is held until released.
 *
 * wx.uploadFile answers from routes of the method 'UPLOAD':
 *   fake.route('UPLOAD', '/api/v1/uploads', { statusCode: 201, data: {...}, progress: [40, 100] });
 * (data objects arrive as a JSON string, like the real API). chooseMedia,
 * chooseMessageFile, requestSubscribeMessage, downloadFile and openDocument
 * succeed by default; `fake.subscribeAnswer` is what the user picks in the
 * consent dialog (every template 'accept' unless set).
 */
const BASE_URL = 'http://127.0.0.1:8080';

function envelope(code, message) {
  return { error: { code, message } };
}

function createFakeWx({ token } = {}) {
  const storage = new Map();
  if (token) {
    storage.set('token', token);
  }
  const routes = new Map();
  let loginCount = 0;

  const deliver = (fn) => setTimeout(fn, 0);

  let mediaSeq = 0;

  const wx = {
    getStorageSync: jest.fn((key) => (storage.has(key) ? storage.get(key) : '')),
    setStorageSync: jest.fn((key, value) => {
      storage.set(key, value);
    }),
    removeStorageSync: jest.fn((key) => {
      storage.delete(key);
    }),
    showToast: jest.fn(),
    showModal: jest.fn((opts) => deliver(() => opts.success && opts.success({ confirm: true, cancel: false }))),
    stopPullDownRefresh: jest.fn(),
    navigateTo: jest.fn((opts) => deliver(() => opts && opts.success && opts.success({ errMsg: 'navigateTo:ok' }))),
    redirectTo: jest.fn((opts) => deliver(() => opts && opts.success && opts.success({ errMsg: 'redirectTo:ok' }))),
    navigateBack: jest.fn(),
    pageScrollTo: jest.fn(),
    login: jest.fn((opts) => {
      loginCount += 1;
      const code = `wx-code-${loginCount}`;
      deliver(() => opts.success({ code, errMsg: 'login:ok' }));
    }),
    request: jest.fn((opts) => {
      const path = opts.url.startsWith(BASE_URL) ? opts.url.slice(BASE_URL.length) : opts.url;
      const key = `${opts.method || 'GET'} ${path}`;
      const queue = routes.get(key);
      if (!queue || queue.length === 0) {
        throw new Error(`fake wx.request: no route for ${key}`);
      }
      const entry = queue.length > 1 ? queue.shift() : queue[0];
      const respond = (response) => {
        if (response.fail) {
          opts.fail(response.fail);
          return;
        }
        opts.success({
          statusCode: response.statusCode,
          data: response.data === undefined ? '' : response.data,
          header: response.header || {},
          errMsg: 'request:ok',
        });
      };
      const response = typeof entry === 'function' ? entry(opts) : entry;
      if (response && typeof response.then === 'function') {
        response.then(respond);
      } else {
        deliver(() => respond(response));
      }
    }),
    uploadFile: jest.fn((opts) => {
      const path = opts.url.startsWith(BASE_URL) ? opts.url.slice(BASE_URL.length) : opts.url;
      const queue = routes.get(`UPLOAD ${path}`);
      if (!queue || queue.length === 0) {
        throw new Error(`fake wx.uploadFile: no route for ${path}`);
      }
      const entry = queue.length > 1 ? queue.shift() : queue[0];
      const listeners = [];
      const task = {
        onProgressUpdate: jest.fn((cb) => listeners.push(cb)),
        abort: jest.fn(),
      };
      const respond = (response) => {
        (response.progress || []).forEach((progress) => {
          listeners.forEach((cb) => cb({ progress, totalBytesSent: progress, totalBytesExpectedToSend: 100 }));
        });
        if (response.fail) {
          opts.fail(response.fail);
          return;
        }
        const data = response.data === undefined ? '' : response.data;
        opts.success({
          statusCode: response.statusCode,
          data: typeof data === 'string' ? data : JSON.stringify(data),
          header: response.header || {},
          errMsg: 'uploadFile:ok',
        });
      };
      const response = typeof entry === 'function' ? entry(opts) : entry;
      if (response && typeof response.then === 'function') {
        response.then(respond);
      } else {
        deliver(() => respond(response));
      }
      return task;
    }),
    chooseMedia: jest.fn((opts) => {
      mediaSeq += 1;
      const n = mediaSeq;
      deliver(() => opts.success({
        type: 'image',
        tempFiles: [{ tempFilePath: `http://tmp/photo-${n}.jpg`, size: 300 * 1024, fileType: 'image' }],
        errMsg: 'chooseMedia:ok',
      }));
    }),
    chooseMessageFile: jest.fn((opts) => {
      deliver(() => opts.success({
        tempFiles: [{ path: 'http://tmp/licence.pdf', size: 500 * 1024, name: '营业执照.pdf', type: 'file' }],
        errMsg: 'chooseMessageFile:ok',
      }));
    }),
    requestSubscribeMessage: jest.fn((opts) => {
      const res = { errMsg: 'requestSubscribeMessage:ok' };
      (opts.tmplIds || []).forEach((id) => {
        res[id] = (fakeState.subscribeAnswer && fakeState.subscribeAnswer[id]) || 'accept';
      });
      deliver(() => opts.success(res));
    }),
    previewImage: jest.fn(),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    downloadFile: jest.fn((opts) => {
      deliver(() => opts.success({ statusCode: 200, tempFilePath: 'http://tmp/download.pdf', errMsg: 'downloadFile:ok' }));
    }),
    openDocument: jest.fn((opts) => {
      deliver(() => opts.success && opts.success({ errMsg: 'openDocument:ok' }));
    }),
  };

  const fakeState = {
    wx,
    storage,
    subscribeAnswer: null,
    route(method, path, ...responses) {
      routes.set(`${method} ${path}`, responses);
      return this;
    },
    /** Calls of wx.request for a method + path. */
    calls(method, path) {
      return wx.request.mock.calls
        .map((c) => c[0])
        .filter((o) => (o.method || 'GET') === method && o.url === BASE_URL + path);
    },
    /** A response held back until release(response) is called. */
    pending() {
      let release;
      const promise = new Promise((resolve) => {
        release = resolve;
      });
      return { promise, release: (response) => release(response) };
    },
    /** Calls of wx.uploadFile. */
    uploads() {
      return wx.uploadFile.mock.calls.map((c) => c[0]);
    },
  };
  // mp-shell additions: storage listing, build environment, tab pages,
  // WeChat's privacy prompt.
  //   fake.envVersion = 'release';              what getAccountInfoSync reports
  //   const answer = fake.needPrivacy();        WeChat asks (e.g. on getPhoneNumber);
  //   answer.resolve.mock.calls                 what our popup answered
  fakeState.envVersion = 'develop';
  fakeState.privacyHandlers = [];
  Object.assign(wx, {
    getStorageInfoSync: jest.fn(() => ({ keys: Array.from(storage.keys()), currentSize: 0, limitSize: 10240 })),
    getAccountInfoSync: jest.fn(() => ({
      miniProgram: { appId: 'touristappid', envVersion: fakeState.envVersion, version: '' },
    })),
    switchTab: jest.fn((opts) => deliver(() => opts && opts.success && opts.success({ errMsg: 'switchTab:ok' }))),
    reLaunch: jest.fn((opts) => deliver(() => opts && opts.success && opts.success({ errMsg: 'reLaunch:ok' }))),
    onNeedPrivacyAuthorization: jest.fn((handler) => {
      fakeState.privacyHandlers.push(handler);
    }),
    offNeedPrivacyAuthorization: jest.fn((handler) => {
      fakeState.privacyHandlers = fakeState.privacyHandlers.filter((h) => h !== handler);
    }),
    openPrivacyContract: jest.fn(),
    setTabBarBadge: jest.fn(),
    removeTabBarBadge: jest.fn(),
  });
  /** WeChat needs the user's privacy consent: the latest handler gets it. */
  fakeState.needPrivacy = (referrer = 'getPhoneNumber') => {
    const resolve = jest.fn();
    const handler = fakeState.privacyHandlers[fakeState.privacyHandlers.length - 1];
    if (!handler) {
      throw new Error('fake wx: nobody handles onNeedPrivacyAuthorization');
    }
    handler(resolve, { referrer });
    return { resolve };
  };

  return fakeState;
}

module.exports = { createFakeWx, envelope, BASE_URL };
