/**
 * Release configuration: the base URL follows the build (develop / trial /
 * release), a release build has a real HTTPS address, and the request layer
 * refuses to call a local address from a trial or release build.
 */
const fs = require('fs');
const path = require('path');
const { createFakeWx } = require('./helpers/fake-wx');

let fake;

function loadConfig(envVersion) {
  fake = createFakeWx({ token: 'tok' });
  fake.envVersion = envVersion;
  global.wx = fake.wx;
  let config;
  jest.isolateModules(() => {
    config = require('../config');
  });
  return config;
}

afterEach(() => {
  delete global.wx;
});

describe('config.js by build', () => {
  test('develop builds use the local backend', () => {
    const config = loadConfig('develop');
    expect(config.ENV_VERSION).toBe('develop');
    expect(config.API_BASE_URL).toBe('http://127.0.0.1:8080');
  });

  test.each(['trial', 'release'])('%s builds use the production HTTPS address, never a local one', (env) => {
    const config = loadConfig(env);
    expect(config.ENV_VERSION).toBe(env);
    expect(config.API_BASE_URL).toBe(config.PROD_BASE_URL);
    // Fails while PROD_BASE_URL is empty, plain http or a local address.
    expect(config.API_BASE_URL).toMatch(/^https:\/\/[a-z0-9.-]+\.[a-z]{2,}$/i);
    expect(config.isReleaseUrl(config.API_BASE_URL)).toBe(true);
  });

  test('a local or plain-http address is never a release address', () => {
    const { isReleaseUrl } = loadConfig('develop');
    ['', 'http://127.0.0.1:8080', 'https://127.0.0.1', 'https://localhost:8443', 'http://huixiang.example.cn',
      'https://192.168.1.20:8080', 'https://10.0.0.5'].forEach((url) => {
      expect(isReleaseUrl(url)).toBe(false);
    });
    expect(isReleaseUrl('https://huixiang.xianan.gov.cn')).toBe(true);
  });
});

describe('api/request.js in a release build', () => {
  test('refuses to call 127.0.0.1 and says so plainly', async () => {
    fake = createFakeWx({ token: 'tok' });
    fake.envVersion = 'release';
    global.wx = fake.wx;
    let http;
    jest.isolateModules(() => {
      jest.doMock('../config', () => Object.assign({}, jest.requireActual('../config'), {
        API_BASE_URL: 'http://127.0.0.1:8080',
      }));
      http = require('../api/request');
    });

    await expect(http.get('/api/v1/me')).rejects.toMatchObject({ code: 'BAD_BASE_URL' });
    expect(fake.wx.request).not.toHaveBeenCalled();
    expect(fake.wx.showToast.mock.calls[0][0].title).toBe('小程序暂时连不上服务器，请联系工作人员');
    jest.dontMock('../config');
  });

  test('calls the production address normally', async () => {
    fake = createFakeWx({ token: 'tok' });
    fake.envVersion = 'release';
    global.wx = fake.wx;
    let http;
    jest.isolateModules(() => {
      http = require('../api/request');
    });
    fake.wx.request.mockImplementation((opts) => setTimeout(() => opts.success({ statusCode: 200, data: { id: 1 } }), 0));
    await expect(http.get('/api/v1/me')).resolves.toEqual({ id: 1 });
    expect(fake.wx.request.mock.calls[0][0].url).toBe('https://huixiang.xianan.gov.cn/api/v1/me');
  });
});

describe('sitemap.json', () => {
  test('only the public pages may be indexed by WeChat search: home, policies, the service network, privacy', () => {
    const sitemap = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../sitemap.json'), 'utf8'));
    const rules = sitemap.rules;
    const last = rules[rules.length - 1];
    expect(last).toEqual({ action: 'disallow', page: '*' });
    const allowed = rules.filter((r) => r.action === 'allow').map((r) => r.page).sort();
    expect(allowed).toEqual([
      'pages/index/index', 'pages/library/library', 'pages/policies/policies', 'pages/policy/policy',
      'pages/privacy/privacy', 'pages/stations/stations',
    ]);
  });
});
