const { createFakeWx, envelope, BASE_URL } = require('./helpers/fake-wx');

const ME = { id: 1, phone: '138****5678', roles: [], created_at: '2025-01-01T00:00:00Z' };
const EXPIRED = { statusCode: 401, data: envelope('SESSION_EXPIRED', '登录已过期，请重新登录') };

function loginOk(token) {
  return {
    statusCode: 200,
    data: { token, expires_in: 604800, user: { id: 1, phone: null, roles: [] } },
  };
}

// Answers 200 only to the expected bearer token, 401 otherwise.
function meFor(token) {
  return (opts) => (opts.header.Authorization === `Bearer ${token}`
    ? { statusCode: 200, data: ME }
    : EXPIRED);
}

let fake;
let http;

beforeEach(() => {
  jest.resetModules();
  fake = createFakeWx({ token: 'old-token' });
  global.wx = fake.wx;
  http = require('../api/request');
});

afterEach(() => {
  delete global.wx;
});

describe('request', () => {
  test('attaches the bearer token, uses the base URL and a 15 s timeout', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: ME });

    await expect(http.get('/api/v1/me')).resolves.toEqual(ME);

    expect(fake.wx.request).toHaveBeenCalledTimes(1);
    const opts = fake.wx.request.mock.calls[0][0];
    expect(opts.url).toBe(`${BASE_URL}/api/v1/me`);
    expect(opts.method).toBe('GET');
    expect(opts.header.Authorization).toBe('Bearer old-token');
    expect(opts.timeout).toBe(15000);
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('sends no Authorization header when there is no token', async () => {
    fake.storage.clear();
    fake.route('GET', '/api/v1/ping', { statusCode: 200, data: { ok: true } });

    await http.get('/api/v1/ping');

    expect(fake.wx.request.mock.calls[0][0].header.Authorization).toBeUndefined();
  });

  test('204 resolves with null', async () => {
    fake.route('POST', '/api/v1/auth/logout', { statusCode: 204 });

    await expect(http.post('/api/v1/auth/logout')).resolves.toBeNull();
  });

  test('401 -> signs in once, stores the new token and retries once', async () => {
    fake.route('GET', '/api/v1/me', meFor('new-token'));
    fake.route('POST', '/api/v1/auth/login', loginOk('new-token'));

    await expect(http.get('/api/v1/me')).resolves.toEqual(ME);

    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    const logins = fake.calls('POST', '/api/v1/auth/login');
    expect(logins).toHaveLength(1);
    expect(logins[0].data).toEqual({ code: 'wx-code-1' });
    expect(logins[0].header.Authorization).toBeUndefined();

    const meCalls = fake.calls('GET', '/api/v1/me');
    expect(meCalls).toHaveLength(2);
    expect(meCalls[0].header.Authorization).toBe('Bearer old-token');
    expect(meCalls[1].header.Authorization).toBe('Bearer new-token');
    expect(fake.storage.get('token')).toBe('new-token');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('retries a POST with the same body after signing in again', async () => {
    fake.route('POST', '/api/v1/me/phone', EXPIRED, { statusCode: 200, data: { phone: '138****5678' } });
    fake.route('POST', '/api/v1/auth/login', loginOk('new-token'));

    await expect(http.post('/api/v1/me/phone', { code: 'p1' })).resolves.toEqual({ phone: '138****5678' });

    const calls = fake.calls('POST', '/api/v1/me/phone');
    expect(calls).toHaveLength(2);
    expect(calls[1].data).toEqual({ code: 'p1' });
  });

  test('401 twice -> rejects with SESSION_EXPIRED without looping', async () => {
    fake.route('GET', '/api/v1/me', EXPIRED);
    fake.route('POST', '/api/v1/auth/login', loginOk('new-token'));

    const err = await http.get('/api/v1/me').catch((e) => e);

    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('SESSION_EXPIRED');
    expect(err.status).toBe(401);
    expect(err.message).toBe('登录已过期，请重新登录');
    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    expect(fake.calls('GET', '/api/v1/me')).toHaveLength(2);
    expect(fake.calls('POST', '/api/v1/auth/login')).toHaveLength(1);
    expect(fake.storage.has('token')).toBe(false);
    expect(fake.wx.showToast).toHaveBeenCalledTimes(1);
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({
      title: '登录已过期，请重新登录',
      icon: 'none',
    }));
  });

  test('401 and the re-sign-in is refused -> SESSION_EXPIRED, no retry', async () => {
    fake.route('GET', '/api/v1/me', EXPIRED);
    fake.route('POST', '/api/v1/auth/login', {
      statusCode: 401,
      data: envelope('WECHAT_CODE_INVALID', '微信登录凭证无效，请重试'),
    });

    const err = await http.get('/api/v1/me').catch((e) => e);

    expect(err.code).toBe('SESSION_EXPIRED');
    expect(err.status).toBe(401);
    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    expect(fake.calls('POST', '/api/v1/auth/login')).toHaveLength(1);
    expect(fake.calls('GET', '/api/v1/me')).toHaveLength(1);
    expect(fake.storage.has('token')).toBe(false);
  });

  test('parallel 401s share a single wx.login and all succeed', async () => {
    fake.route('GET', '/api/v1/me', meFor('new-token'));
    fake.route('POST', '/api/v1/auth/login', loginOk('new-token'));

    const results = await Promise.all([
      http.get('/api/v1/me'),
      http.get('/api/v1/me'),
      http.get('/api/v1/me'),
    ]);

    expect(results).toEqual([ME, ME, ME]);
    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    expect(fake.calls('POST', '/api/v1/auth/login')).toHaveLength(1);
    expect(fake.calls('GET', '/api/v1/me')).toHaveLength(6);
  });

  test('a late 401 after someone else signed in again retries without a new wx.login', async () => {
    const held = fake.pending();
    fake.route('GET', '/api/v1/slow', () => held.promise, { statusCode: 200, data: { ok: 1 } });
    fake.route('GET', '/api/v1/me', meFor('new-token'));
    fake.route('POST', '/api/v1/auth/login', loginOk('new-token'));

    const slow = http.get('/api/v1/slow');
    await http.get('/api/v1/me');
    expect(fake.wx.login).toHaveBeenCalledTimes(1);

    held.release(EXPIRED);
    await expect(slow).resolves.toEqual({ ok: 1 });
    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    expect(fake.calls('GET', '/api/v1/slow')[1].header.Authorization).toBe('Bearer new-token');
  });

  test('error envelope -> toast with the server message, rejects with code/status/message', async () => {
    fake.route('POST', '/api/v1/me/phone', {
      statusCode: 422,
      data: envelope('PHONE_CODE_INVALID', '手机号授权已失效，请重新获取'),
    });

    const err = await http.post('/api/v1/me/phone', { code: 'x' }).catch((e) => e);

    expect(err).toBeInstanceOf(http.ApiError);
    expect(err).toMatchObject({ code: 'PHONE_CODE_INVALID', status: 422, message: '手机号授权已失效，请重新获取' });
    expect(fake.wx.showToast).toHaveBeenCalledTimes(1);
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({
      title: '手机号授权已失效，请重新获取',
      icon: 'none',
    }));
    expect(fake.wx.login).not.toHaveBeenCalled();
  });

  test('{silent: true} suppresses the toast but still rejects', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 403, data: envelope('FORBIDDEN', '没有权限') });

    await expect(http.get('/api/v1/me', undefined, { silent: true }))
      .rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('long server messages are truncated for the toast', async () => {
    const long = '您提交的材料内容过多，超出了系统允许的最大上传大小，请删减部分图片或压缩后再重新提交一次';
    fake.route('POST', '/api/v1/upload', { statusCode: 413, data: envelope('PAYLOAD_TOO_LARGE', long) });

    const err = await http.post('/api/v1/upload', {}).catch((e) => e);

    expect(err.message).toBe(long);
    const { title } = fake.wx.showToast.mock.calls[0][0];
    expect(Array.from(title)).toHaveLength(http.TOAST_MAX_CHARS);
    expect(title.endsWith('…')).toBe(true);
    expect(long.startsWith(title.slice(0, -1))).toBe(true);
  });

  test('network failure -> MESSAGES.NETWORK toast, NETWORK_ERROR', async () => {
    fake.route('GET', '/api/v1/me', { fail: { errMsg: 'request:fail ' } });

    const err = await http.get('/api/v1/me').catch((e) => e);

    expect(err).toMatchObject({ code: 'NETWORK_ERROR', status: 0, message: http.MESSAGES.NETWORK });
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({
      title: http.MESSAGES.NETWORK,
      icon: 'none',
    }));
  });

  test('timeout -> MESSAGES.NETWORK toast, NETWORK_TIMEOUT', async () => {
    fake.route('GET', '/api/v1/me', { fail: { errMsg: 'request:fail timeout' } });

    await expect(http.get('/api/v1/me')).rejects.toMatchObject({
      code: 'NETWORK_TIMEOUT',
      status: 0,
      message: http.MESSAGES.NETWORK,
    });
    expect(fake.wx.showToast.mock.calls[0][0].title).toBe(http.MESSAGES.NETWORK);
  });

  test('503 with Retry-After -> 服务繁忙 toast and retryAfter', async () => {
    fake.route('GET', '/api/v1/me', {
      statusCode: 503,
      header: { 'retry-after': '30' },
      data: envelope('DEPENDENCY_UNAVAILABLE', '依赖服务暂不可用'),
    });

    const err = await http.get('/api/v1/me').catch((e) => e);

    expect(err).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      status: 503,
      message: '服务繁忙，请稍后重试',
      retryAfter: 30,
    });
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({
      title: '服务繁忙，请稍后重试',
      icon: 'none',
    }));
  });

  test('503 without Retry-After shows the server message', async () => {
    fake.route('GET', '/api/v1/me', {
      statusCode: 503,
      data: envelope('DEPENDENCY_UNAVAILABLE', '数据库维护中，请稍后再试'),
    });

    await expect(http.get('/api/v1/me')).rejects.toMatchObject({ status: 503, message: '数据库维护中，请稍后再试' });
    expect(fake.wx.showToast.mock.calls[0][0].title).toBe('数据库维护中，请稍后再试');
  });

  test('a non-JSON error page falls back to a generic Chinese message', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 502, data: '<html>Bad Gateway</html>' });

    await expect(http.get('/api/v1/me')).rejects.toMatchObject({
      code: 'HTTP_502',
      status: 502,
      message: '服务繁忙，请稍后重试',
    });
  });

  test('network failure while signing in again is reported as a network error', async () => {
    fake.route('GET', '/api/v1/me', EXPIRED);
    fake.route('POST', '/api/v1/auth/login', { fail: { errMsg: 'request:fail timeout' } });

    await expect(http.get('/api/v1/me')).rejects.toMatchObject({ code: 'NETWORK_TIMEOUT', status: 0 });
    expect(fake.wx.showToast).toHaveBeenCalledTimes(1);
    expect(fake.wx.showToast.mock.calls[0][0].title).toBe(http.MESSAGES.NETWORK);
    // The session was not proven dead: keep the token for the next try.
    expect(fake.storage.get('token')).toBe('old-token');
  });

  test('put() sends PUT; the error field the server names is kept on the ApiError', async () => {
    fake.route('PUT', '/api/v1/me/returnee', {
      statusCode: 422,
      data: { error: { code: 'USCC_INVALID', message: '统一社会信用代码无效', field: 'business.uscc' } },
    });

    await expect(http.put('/api/v1/me/returnee', { name: '张三' }, { silent: true })).rejects.toMatchObject({
      code: 'USCC_INVALID',
      status: 422,
      message: '统一社会信用代码无效',
      field: 'business.uscc',
    });
    const call = fake.calls('PUT', '/api/v1/me/returnee')[0];
    expect(call.data).toEqual({ name: '张三' });
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('parseRetryAfter understands seconds and HTTP dates', () => {
    expect(http.parseRetryAfter({ 'Retry-After': '5' })).toBe(5);
    expect(http.parseRetryAfter({})).toBeNull();
    const inTenSeconds = new Date(Date.now() + 10000).toUTCString();
    const parsed = http.parseRetryAfter({ 'Retry-After': inTenSeconds });
    expect(parsed).toBeGreaterThanOrEqual(8);
    expect(parsed).toBeLessThanOrEqual(10);
  });
});

describe('request: kept until the network is back (keepUntilOnline)', () => {
  // eslint-disable-next-line global-require
  const { withNetwork } = require('./helpers/network-wx');
  const KEY = 'key-0123456789';
  const CREATED = { statusCode: 201, data: { id: 42, version: 1 } };
  const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

  function create(extra) {
    return http.post('/api/v1/applications', { policy: 'startup_subsidy' }, Object.assign({
      silent: true,
      keepUntilOnline: true,
      header: { 'Idempotency-Key': KEY },
    }, extra));
  }

  test('a request with an Idempotency-Key is kept and sent once when the network is back', async () => {
    const net = withNetwork(fake);
    fake.route('POST', '/api/v1/applications', CREATED);
    net.down();
    const onKept = jest.fn();
    let answer;
    create({ onKept }).then((a) => { answer = a; });
    await sleep(10);

    expect(onKept).toHaveBeenCalledWith(expect.objectContaining({ code: 'NETWORK_ERROR', message: http.MESSAGES.NETWORK }));
    expect(answer).toBeUndefined();
    expect(fake.wx.request).toHaveBeenCalledTimes(1);

    net.up();
    net.up(); // WeChat may report twice (Wi-Fi, then 4G): still one resend
    await sleep(10);
    expect(answer).toEqual({ id: 42, version: 1 });
    const sent = fake.calls('POST', '/api/v1/applications');
    expect(sent).toHaveLength(2);
    expect(sent[1].header['Idempotency-Key']).toBe(KEY);
    expect(sent[1].data).toEqual(sent[0].data);
  });

  test('still no network on the resend: it waits for the next return; a server error rejects', async () => {
    const net = withNetwork(fake);
    fake.route('POST', '/api/v1/applications',
      { fail: { errMsg: 'request:fail timeout' } },
      { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 422, data: envelope('NOT_ELIGIBLE', '暂时不能申请') });
    const result = create().then((a) => ({ a }), (e) => ({ e }));
    await sleep(10);
    net.up();
    await sleep(10);
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(2);
    net.up();
    const { e } = await result;
    expect(e).toMatchObject({ code: 'NOT_ELIGIBLE', status: 422 });
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(3);
  });

  test('retryKeptNow() sends the kept request at once, without a network event', async () => {
    const net = withNetwork(fake);
    fake.route('POST', '/api/v1/applications', CREATED);
    net.down();
    const answer = create();
    await sleep(10);
    net.quietlyUp();
    http.retryKeptNow();
    await expect(answer).resolves.toEqual({ id: 42, version: 1 });
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(2);
  });

  test('without an Idempotency-Key (or without the option) a network failure rejects at once', async () => {
    withNetwork(fake);
    fake.route('POST', '/api/v1/applications', { fail: { errMsg: 'request:fail ' } });
    await expect(http.post('/api/v1/applications', {}, { silent: true, keepUntilOnline: true }))
      .rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    await expect(http.post('/api/v1/applications', {}, { silent: true, header: { 'Idempotency-Key': KEY } }))
      .rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(fake.wx.onNetworkStatusChange).not.toHaveBeenCalled();
  });

  test('an old WeChat without onNetworkStatusChange rejects as before', async () => {
    delete fake.wx.onNetworkStatusChange;
    fake.route('POST', '/api/v1/applications', { fail: { errMsg: 'request:fail ' } });
    await expect(create()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
  });
});
