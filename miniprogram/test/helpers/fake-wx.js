/**
 * A fake `wx` global with an in-memory storage and a scriptable backend,
 * as strict as a phone.
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
 *
 * What the phone refuses, this refuses too (in every test):
 *
 * - showModal with a confirmText or cancelText over 4 characters: WeChat
 *   shows no dialog at all (rule 'modal-button-too-long');
 * - previewImage of a `data:` URL (phones show nothing: 'preview-data-url'),
 *   of a file under USER_DATA_PATH that was never written, or of nothing
 *   ('preview-bad-url');
 * - requestSubscribeMessage outside a user's tap: only while the harness
 *   (helpers/page.js tap / confirmDialog / cancelDialog) dispatches a tap,
 *   during the handler's synchronous part ('subscribe-outside-tap');
 *   a unit test that stands for a tap wraps the call in duringUserTap(fn);
 * - getFileSystemManager().writeFile outside USER_DATA_PATH
 *   ('write-outside-user-data');
 * - makePhoneCall without a number, or with anything but digits, '+' and
 *   '-' in it ('phone-number-invalid': "0715-8123456 （工作日）" dials nothing);
 * - getLocation when app.json does not list it in requiredPrivateInfos
 *   ('location-undeclared', as WeChat refuses it since 2022-07-14), or with
 *   a type other than 'gcj02' (the map and the server's positions are
 *   GCJ-02: 'location-not-gcj02');
 * - openLocation without numeric latitude and longitude
 *   ('open-location-bad-position').
 *
 * A refused call fails the way WeChat fails it (`fail` then `complete`,
 * with WeChat's errMsg) and is recorded in `fake.violations` (also
 * `fake.refused`); a test that ends with a recorded violation fails in the
 * afterEach hook this file installs. A test about a refusal takes it with
 * `fake.takeViolations()`. KNOWN_VIOLATIONS (below) tolerates listed
 * rules in listed test files: the call then behaves as before the rule
 * (recorded in `fake.tolerated`).
 *
 * Scriptable like a phone:
 *
 * - `fake.modalAnswer` is what the user taps in wx.showModal
 *   ({ confirm: true, cancel: false } unless set);
 * - `fake.scans` answers wx.scanCode in order: a string (a QR code's text),
 *   an object (the whole success result, e.g. a 小程序码's `path`) or
 *   { fail: { errMsg } }; nothing scripted is the user closing the camera
 *   ('scanCode:fail cancel'); `fake.scanAnswered` counts the answers;
 * - `fake.camera = 'denied'`: WeChat may not use the camera, scanCode fails
 *   with 'scanCode:fail auth deny';
 * - `fake.privacyAuthorized = false`: the user has not agreed to the privacy
 *   guide yet. An API that needs it (PRIVACY_APIS) makes WeChat call the
 *   latest wx.onNeedPrivacyAuthorization handler (our <privacy-popup />);
 *   its answer { event: 'agree' } lets the call go on, { event: 'disagree' }
 *   (the user tapped 不同意) fails it with errno 104 and
 *   '<api>:fail privacy permission is not authorized' (kept in
 *   `fake.privacyFailures`). With no handler at
 *   all the page has no popup of its own: rule 'privacy-popup-missing'.
 *   `fake.needPrivacy()` makes WeChat ask directly (e.g. for getPhoneNumber);
 * - getFileSystemManager().writeFile keeps files in `fake.files`, under
 *   wx.env.USER_DATA_PATH.
 * - `fake.location` answers wx.getLocation: a { latitude, longitude }
 *   (default: 咸安 district offices), 'denied' (the user refused the
 *   location permission: 'getLocation:fail auth deny') or 'off' (the
 *   phone's location service is off: 'getLocation:fail system permission
 *   denied'). getLocation also needs the privacy consent (PRIVACY_APIS).
 */
const path = require('path');

const BASE_URL = 'http://127.0.0.1:8080';
const USER_DATA_PATH = 'wxfile://usr';
const MAX_BUTTON_CHARS = 4;

const RULES = {
  MODAL_BUTTON: 'modal-button-too-long',
  PREVIEW_DATA_URL: 'preview-data-url',
  PREVIEW_BAD_URL: 'preview-bad-url',
  SUBSCRIBE_OUTSIDE_TAP: 'subscribe-outside-tap',
  WRITE_OUTSIDE: 'write-outside-user-data',
  PRIVACY_POPUP_MISSING: 'privacy-popup-missing',
  PHONE_NUMBER: 'phone-number-invalid',
  LOCATION_UNDECLARED: 'location-undeclared',
  LOCATION_TYPE: 'location-not-gcj02',
  OPEN_LOCATION: 'open-location-bad-position',
};

/**
 * Violations tolerated for now, by test file and rule: pages being
 * rewritten elsewhere. Remove an entry once its page is fixed (the test
 * then has to pass with the rule).
 */
const KNOWN_VIOLATIONS = [];

/** WeChat APIs that need the user's consent to the privacy guide. */
const PRIVACY_APIS = ['scanCode', 'chooseMedia', 'chooseMessageFile', 'getLocation'];

/** What app.json declares (wx.getLocation needs requiredPrivateInfos). */
function appJson() {
  // eslint-disable-next-line global-require
  return JSON.parse(require('fs').readFileSync(path.join(__dirname, '../../app.json'), 'utf8'));
}

// ---- the user's tap ---------------------------------------------------------

// Shared through the global: one per test file, whatever module registry
// page.js and the test were loaded in.
const TAP_KEY = Symbol.for('huixiang.test.userTap');

function tapState() {
  if (!globalThis[TAP_KEY]) {
    globalThis[TAP_KEY] = { depth: 0 };
  }
  return globalThis[TAP_KEY];
}

/** Whether a user's tap is being handled right now (its synchronous part). */
function inUserTap() {
  return tapState().depth > 0;
}

function beginUserTap() {
  tapState().depth += 1;
}

function endUserTap() {
  const state = tapState();
  state.depth = Math.max(0, state.depth - 1);
}

/** Runs fn as the synchronous part of a user's tap (for unit tests of tap handlers). */
function duringUserTap(fn) {
  beginUserTap();
  try {
    return fn();
  } finally {
    endUserTap();
  }
}

// ---- violations that fail the test -------------------------------------------

const REGISTRY_KEY = Symbol.for('huixiang.test.fakeWxRegistry');

function registry() {
  if (!globalThis[REGISTRY_KEY]) {
    globalThis[REGISTRY_KEY] = { fakes: [], hooked: false };
  }
  return globalThis[REGISTRY_KEY];
}

function describeViolation(v) {
  return `  ${v.rule}: ${v.errMsg}${v.detail ? ` (${v.detail})` : ''}`;
}

/** Fails the test when a fake it made recorded a violation the test did not take. */
function checkViolations() {
  const reg = registry();
  const fakes = reg.fakes.splice(0);
  const left = [];
  fakes.forEach((fake) => left.push(...fake.violations));
  if (left.length) {
    throw new Error(`the phone refused ${left.length} call(s) that this test let through unnoticed:\n${
      left.map(describeViolation).join('\n')}\n(see test/helpers/fake-wx.js: fix the page, or take them with fake.takeViolations())`);
  }
}

function installHook() {
  const reg = registry();
  if (reg.hooked || typeof afterEach !== 'function') {
    return;
  }
  try {
    afterEach(checkViolations);
    reg.hooked = true;
  } catch (e) {
    // Required from inside a test (jest.isolateModules): the file's first
    // require installed it already, or the test checks by itself.
  }
}

installHook();

function currentTestFile() {
  try {
    const state = expect.getState();
    return state && state.testPath ? path.basename(state.testPath) : '';
  } catch (e) {
    return '';
  }
}

function isKnown(rule) {
  const file = currentTestFile();
  return KNOWN_VIOLATIONS.some((k) => k.rule === rule && k.file === file);
}

// ---- the fake -----------------------------------------------------------------

function envelope(code, message) {
  return { error: { code, message } };
}

const chars = (value) => Array.from(String(value)).length;

function createFakeWx({ token } = {}) {
  const storage = new Map();
  if (token) {
    storage.set('token', token);
  }
  const routes = new Map();
  let loginCount = 0;

  const deliver = (fn) => setTimeout(fn, 0);

  let mediaSeq = 0;

  const fakeState = {
    storage,
    subscribeAnswer: null,
    violations: [],
    tolerated: [],
    modalAnswer: { confirm: true, cancel: false },
    files: new Map(),
    scans: [],
    scanAnswered: 0,
    camera: 'allowed',
    location: { latitude: 29.852, longitude: 114.322 },
    privacyAuthorized: true,
    privacyAnswers: [],
    privacyFailures: [],
  };
  fakeState.refused = fakeState.violations;
  registry().fakes.push(fakeState);

  const failWith = (opts, res) => deliver(() => {
    if (opts && typeof opts.fail === 'function') opts.fail(res);
    if (opts && typeof opts.complete === 'function') opts.complete(res);
  });

  /**
   * A broken rule: WeChat refuses the call (recorded, the test fails unless
   * it takes it), or, for a KNOWN_VIOLATIONS entry, `lenient()` runs.
   */
  const violate = (api, opts, { rule, errMsg, detail }, lenient) => {
    const entry = {
      api, rule, errMsg, detail, opts,
    };
    if (isKnown(rule)) {
      fakeState.tolerated.push(entry);
      return lenient();
    }
    fakeState.violations.push(entry);
    failWith(opts, { errMsg });
    return undefined;
  };

  /**
   * A jest.fn whose every implementation, the default one and those a test
   * sets with mockImplementation(Once), first goes through `check`.
   */
  const strictFn = (api, check, behaviour) => {
    const fn = jest.fn();
    const wrap = (impl) => (opts, ...rest) => {
      const broken = check(opts || {});
      if (broken) {
        return violate(api, opts, broken, () => (impl ? impl(opts, ...rest) : undefined));
      }
      return impl ? impl(opts, ...rest) : undefined;
    };
    const setImpl = fn.mockImplementation.bind(fn);
    const setImplOnce = fn.mockImplementationOnce.bind(fn);
    fn.mockImplementation = (impl) => setImpl(wrap(impl));
    fn.mockImplementationOnce = (impl) => setImplOnce(wrap(impl));
    fn.mockImplementation(behaviour);
    return fn;
  };

  /** The user's consent to the privacy guide, asked for by WeChat before `api` runs. */
  const withPrivacy = (api, opts, proceed) => {
    if (fakeState.privacyAuthorized) {
      proceed();
      return;
    }
    const refuse = () => {
      const res = { errMsg: `${api}:fail privacy permission is not authorized`, errno: 104 };
      fakeState.privacyFailures.push(Object.assign({ api }, res));
      failWith(opts, res);
    };
    const handler = fakeState.privacyHandlers[fakeState.privacyHandlers.length - 1];
    if (!handler) {
      violate(api, opts, {
        rule: RULES.PRIVACY_POPUP_MISSING,
        errMsg: `${api}:fail privacy permission is not authorized`,
        detail: 'no wx.onNeedPrivacyAuthorization handler: put <privacy-popup /> on the page',
      }, refuse);
      return;
    }
    let answered = false;
    handler((res) => {
      const event = res && res.event;
      if (answered || event === 'exposureAuthorization') {
        return;
      }
      answered = true;
      fakeState.privacyAnswers.push(res);
      if (event === 'agree') {
        fakeState.privacyAuthorized = true;
        proceed();
      } else {
        refuse();
      }
    }, { referrer: api });
  };

  const wx = {
    env: { USER_DATA_PATH },
    getStorageSync: jest.fn((key) => (storage.has(key) ? storage.get(key) : '')),
    setStorageSync: jest.fn((key, value) => {
      storage.set(key, value);
    }),
    removeStorageSync: jest.fn((key) => {
      storage.delete(key);
    }),
    showToast: jest.fn(),
    showModal: strictFn('showModal', (opts) => {
      const long = ['confirmText', 'cancelText'].find((k) => opts[k] && chars(opts[k]) > MAX_BUTTON_CHARS);
      return long ? {
        rule: RULES.MODAL_BUTTON,
        errMsg: `showModal:fail ${long} length should not larger than 4 Chinese characters`,
        detail: `${long} '${opts[long]}' has ${chars(opts[long])} characters`,
      } : null;
    }, (opts) => deliver(() => {
      const res = Object.assign({ errMsg: 'showModal:ok' }, fakeState.modalAnswer);
      if (opts.success) opts.success(res);
      if (opts.complete) opts.complete(res);
    })),
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
      const urlPath = opts.url.startsWith(BASE_URL) ? opts.url.slice(BASE_URL.length) : opts.url;
      const key = `${opts.method || 'GET'} ${urlPath}`;
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
      const urlPath = opts.url.startsWith(BASE_URL) ? opts.url.slice(BASE_URL.length) : opts.url;
      const queue = routes.get(`UPLOAD ${urlPath}`);
      if (!queue || queue.length === 0) {
        throw new Error(`fake wx.uploadFile: no route for ${urlPath}`);
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
    chooseMedia: jest.fn((opts) => withPrivacy('chooseMedia', opts, () => {
      mediaSeq += 1;
      const n = mediaSeq;
      deliver(() => opts.success({
        type: 'image',
        tempFiles: [{ tempFilePath: `http://tmp/photo-${n}.jpg`, size: 300 * 1024, fileType: 'image' }],
        errMsg: 'chooseMedia:ok',
      }));
    })),
    chooseMessageFile: jest.fn((opts) => withPrivacy('chooseMessageFile', opts, () => {
      deliver(() => opts.success({
        tempFiles: [{ path: 'http://tmp/licence.pdf', size: 500 * 1024, name: '营业执照.pdf', type: 'file' }],
        errMsg: 'chooseMessageFile:ok',
      }));
    })),
    requestSubscribeMessage: strictFn('requestSubscribeMessage', () => (inUserTap() ? null : {
      rule: RULES.SUBSCRIBE_OUTSIDE_TAP,
      errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.',
      detail: 'not called synchronously inside a tap handler',
    }), (opts) => {
      const res = { errMsg: 'requestSubscribeMessage:ok' };
      (opts.tmplIds || []).forEach((id) => {
        res[id] = (fakeState.subscribeAnswer && fakeState.subscribeAnswer[id]) || 'accept';
      });
      deliver(() => opts.success(res));
    }),
    previewImage: strictFn('previewImage', (opts) => {
      const urls = Array.isArray(opts.urls) ? opts.urls : [];
      const dataUrl = urls.find((u) => /^data:/i.test(String(u)));
      if (dataUrl !== undefined) {
        return {
          rule: RULES.PREVIEW_DATA_URL,
          errMsg: 'previewImage:fail invalid url',
          detail: `a data: URL (${String(dataUrl).slice(0, 30)}…): phones show nothing`,
        };
      }
      const missing = urls.find((u) => String(u).startsWith(`${USER_DATA_PATH}/`) && !fakeState.files.has(u));
      if (!urls.length || missing !== undefined) {
        return {
          rule: RULES.PREVIEW_BAD_URL,
          errMsg: 'previewImage:fail invalid url',
          detail: urls.length ? `${missing} was never written` : 'no urls',
        };
      }
      return null;
    }, (opts) => deliver(() => opts.success && opts.success({ errMsg: 'previewImage:ok' }))),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    downloadFile: jest.fn((opts) => {
      deliver(() => opts.success({ statusCode: 200, tempFilePath: 'http://tmp/download.pdf', errMsg: 'downloadFile:ok' }));
    }),
    openDocument: jest.fn((opts) => {
      deliver(() => opts.success && opts.success({ errMsg: 'openDocument:ok' }));
    }),
    scanCode: jest.fn((opts) => withPrivacy('scanCode', opts, () => {
      if (fakeState.camera === 'denied') {
        failWith(opts, { errMsg: 'scanCode:fail auth deny' });
        deliver(() => {
          fakeState.scanAnswered += 1;
        });
        return;
      }
      const next = fakeState.scans.length ? fakeState.scans.shift() : { fail: { errMsg: 'scanCode:fail cancel' } };
      deliver(() => {
        if (next && next.fail) {
          if (opts.fail) opts.fail(next.fail);
          if (opts.complete) opts.complete(next.fail);
        } else {
          const res = typeof next === 'string'
            ? { result: next, scanType: 'QR_CODE', charSet: 'utf-8', errMsg: 'scanCode:ok' }
            : Object.assign({ scanType: 'WX_CODE', charSet: 'utf-8', errMsg: 'scanCode:ok' }, next);
          if (opts.success) opts.success(res);
          if (opts.complete) opts.complete(res);
        }
        fakeState.scanAnswered += 1;
      });
    })),
  };
  Object.assign(wx, {
    makePhoneCall: strictFn('makePhoneCall', (opts) => (/^\+?[0-9][0-9-]{2,}$/.test(String(opts.phoneNumber || '')) ? null : {
      rule: RULES.PHONE_NUMBER,
      errMsg: 'makePhoneCall:fail parameter error: parameter.phoneNumber should be a phone number',
      detail: `phoneNumber '${opts.phoneNumber}'`,
    }), (opts) => deliver(() => opts.success && opts.success({ errMsg: 'makePhoneCall:ok' }))),
    getLocation: strictFn('getLocation', (opts) => {
      const declared = (appJson().requiredPrivateInfos || []).indexOf('getLocation') >= 0;
      if (!declared) {
        return {
          rule: RULES.LOCATION_UNDECLARED,
          errMsg: 'getLocation:fail the api need to be declared in the requiredPrivateInfos field in app.json',
          detail: 'app.json requiredPrivateInfos lacks getLocation',
        };
      }
      return opts.type === 'gcj02' ? null : {
        rule: RULES.LOCATION_TYPE,
        errMsg: 'getLocation:fail (test rule) ask for type gcj02',
        detail: `type '${opts.type}': WeChat's map and the server's positions are GCJ-02`,
      };
    }, (opts) => withPrivacy('getLocation', opts, () => {
      const answer = fakeState.location;
      if (answer === 'denied' || answer === 'off') {
        failWith(opts, { errMsg: answer === 'denied' ? 'getLocation:fail auth deny' : 'getLocation:fail system permission denied' });
        return;
      }
      deliver(() => {
        const res = Object.assign({ errMsg: 'getLocation:ok', accuracy: 30 }, answer);
        if (opts.success) opts.success(res);
        if (opts.complete) opts.complete(res);
      });
    })),
    openLocation: strictFn('openLocation', (opts) => (Number.isFinite(opts.latitude) && Number.isFinite(opts.longitude) ? null : {
      rule: RULES.OPEN_LOCATION,
      errMsg: 'openLocation:fail parameter error: latitude and longitude should be Number',
      detail: `latitude ${opts.latitude}, longitude ${opts.longitude}`,
    }), (opts) => deliver(() => opts.success && opts.success({ errMsg: 'openLocation:ok' }))),
  });
  fakeState.wx = wx;

  const fs = {
    writeFile: strictFn('writeFile', (opts) => (String(opts.filePath || '').startsWith(`${USER_DATA_PATH}/`) ? null : {
      rule: RULES.WRITE_OUTSIDE,
      errMsg: 'writeFile:fail permission denied',
      detail: `${opts.filePath} is not under wx.env.USER_DATA_PATH`,
    }), (opts) => {
      fakeState.files.set(opts.filePath, { data: opts.data, encoding: opts.encoding });
      deliver(() => opts.success && opts.success({ errMsg: 'writeFile:ok' }));
    }),
  };
  wx.getFileSystemManager = jest.fn(() => fs);
  fakeState.fs = fs;

  Object.assign(fakeState, {
    route(method, routePath, ...responses) {
      routes.set(`${method} ${routePath}`, responses);
      return this;
    },
    /** Calls of wx.request for a method + path. */
    calls(method, routePath) {
      return wx.request.mock.calls
        .map((c) => c[0])
        .filter((o) => (o.method || 'GET') === method && o.url === BASE_URL + routePath);
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
    /** The refusals so far, which the test has now noticed (the afterEach check will not fail on them). */
    takeViolations() {
      return fakeState.violations.splice(0);
    },
  });

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

module.exports = {
  createFakeWx,
  envelope,
  BASE_URL,
  USER_DATA_PATH,
  MAX_BUTTON_CHARS,
  RULES,
  KNOWN_VIOLATIONS,
  PRIVACY_APIS,
  inUserTap,
  beginUserTap,
  endUserTap,
  duringUserTap,
  checkViolations,
};
