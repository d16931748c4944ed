const { createFakeWx, envelope } = require('./helpers/fake-wx');

let fake;
let auth;

beforeEach(() => {
  jest.resetModules();
  fake = createFakeWx();
  global.wx = fake.wx;
  auth = require('../api/auth');
});

afterEach(() => {
  delete global.wx;
});

describe('auth', () => {
  test('login() exchanges the wx.login code, stores the token and returns the user', async () => {
    fake.route('POST', '/api/v1/auth/login', {
      statusCode: 200,
      data: { token: 'tok-1', expires_in: 604800, user: { id: 7, phone: null, roles: [] } },
    });

    await expect(auth.login()).resolves.toEqual({ id: 7, phone: null, roles: [] });
    expect(fake.calls('POST', '/api/v1/auth/login')[0].data).toEqual({ code: 'wx-code-1' });
    expect(fake.storage.get('token')).toBe('tok-1');
  });

  test('login() with an invalid code toasts the server message once and never retries', async () => {
    fake.route('POST', '/api/v1/auth/login', {
      statusCode: 401,
      data: envelope('WECHAT_CODE_INVALID', '微信登录凭证无效，请重试'),
    });

    await expect(auth.login()).rejects.toMatchObject({ code: 'WECHAT_CODE_INVALID', status: 401 });
    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    expect(fake.calls('POST', '/api/v1/auth/login')).toHaveLength(1);
    expect(fake.wx.showToast).toHaveBeenCalledTimes(1);
    expect(fake.wx.showToast.mock.calls[0][0]).toMatchObject({ title: '微信登录凭证无效，请重试', icon: 'none' });
  });

  test('login() when WeChat is unreachable says 服务繁忙', async () => {
    fake.route('POST', '/api/v1/auth/login', {
      statusCode: 503,
      header: { 'Retry-After': '10' },
      data: envelope('WECHAT_UNAVAILABLE', '微信服务暂不可用'),
    });

    await expect(auth.login()).rejects.toMatchObject({ code: 'WECHAT_UNAVAILABLE', retryAfter: 10 });
    expect(fake.wx.showToast.mock.calls[0][0].title).toBe('服务繁忙，请稍后重试');
  });

  test('login() when wx.login fails', async () => {
    fake.wx.login.mockImplementation((opts) => setTimeout(() => opts.fail({ errMsg: 'login:fail' }), 0));

    await expect(auth.login()).rejects.toMatchObject({ code: 'WX_LOGIN_FAILED' });
    expect(fake.wx.request).not.toHaveBeenCalled();
    expect(fake.wx.showToast.mock.calls[0][0].title).toBe('微信登录失败，请稍后重试');
  });

  test('logout() drops the token at once, tells the server, never signs in again', async () => {
    fake.storage.set('token', 'tok-1');
    fake.route('POST', '/api/v1/auth/logout', { statusCode: 401, data: envelope('SESSION_EXPIRED', '登录已过期，请重新登录') });

    const done = auth.logout();
    expect(fake.storage.has('token')).toBe(false);
    await expect(done).resolves.toBeUndefined();

    const calls = fake.calls('POST', '/api/v1/auth/logout');
    expect(calls).toHaveLength(1);
    expect(calls[0].header.Authorization).toBe('Bearer tok-1');
    expect(fake.wx.login).not.toHaveBeenCalled();
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('logout() resolves even when the network is down', async () => {
    fake.storage.set('token', 'tok-1');
    fake.route('POST', '/api/v1/auth/logout', { fail: { errMsg: 'request:fail timeout' } });

    await expect(auth.logout()).resolves.toBeUndefined();
    expect(fake.storage.has('token')).toBe(false);
  });

  test('getMe() and bindPhone()', async () => {
    fake.storage.set('token', 'tok-1');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: null, roles: [] } });
    fake.route('POST', '/api/v1/me/phone', { statusCode: 200, data: { phone: '138****5678' } });

    await expect(auth.getMe()).resolves.toMatchObject({ id: 1, phone: null });
    await expect(auth.bindPhone('phone-code')).resolves.toBe('138****5678');
    expect(fake.calls('POST', '/api/v1/me/phone')[0].data).toEqual({ code: 'phone-code' });
  });
});
