/**
 * lib/storage.js (what is personal), silent sign-in, signing out clears the
 * phone, and the privacy consent helper mp-forms calls before ID/bank fields.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');

let fake;
let auth;
let storage;
let privacy;

beforeEach(() => {
  jest.resetModules();
  fake = createFakeWx();
  global.wx = fake.wx;
  auth = require('../api/auth');
  storage = require('../lib/storage');
  privacy = require('../lib/privacy');
});

afterEach(() => {
  delete global.wx;
});

const LOGIN_OK = { statusCode: 200, data: { token: 'tok-1', expires_in: 604800, user: { id: 7, phone: null, roles: [] } } };

describe('lib/storage', () => {
  test('get/set/remove with a fallback', () => {
    expect(storage.get('survey_draft', null)).toBeNull();
    expect(storage.set('survey_draft', { a: 1 })).toBe(true);
    expect(storage.get('survey_draft')).toEqual({ a: 1 });
    storage.remove('survey_draft');
    expect(storage.get('survey_draft', 'none')).toBe('none');
  });

  test('clearPersonal keeps only shared lists; unknown keys count as personal', () => {
    ['token', 'returnee_draft', 'returnee_id_card', 'application_draft_startup_subsidy', 'application_draft_app_9',
      'cache_policies', 'something_new', 'cache_regions', 'cache_options', 'cache_schools'].forEach((k) => fake.storage.set(k, 'x'));

    storage.clearPersonal();

    expect(Array.from(fake.storage.keys()).sort()).toEqual(['cache_options', 'cache_regions', 'cache_schools']);
    expect(storage.isPersonal('application_draft_x')).toBe(true);
    expect(storage.isPersonal('cache_regions')).toBe(false);
  });
});

describe('silent sign-in', () => {
  test('ensureSignedIn signs in once for several callers and keeps the token', async () => {
    fake.route('POST', '/api/v1/auth/login', LOGIN_OK);
    await Promise.all([auth.ensureSignedIn(), auth.ensureSignedIn()]);
    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    expect(fake.storage.get('token')).toBe('tok-1');
    await auth.ensureSignedIn();
    expect(fake.wx.login).toHaveBeenCalledTimes(1);
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('a failed sign-in rejects without a toast and is tried again next time', async () => {
    fake.route('POST', '/api/v1/auth/login', { fail: { errMsg: 'request:fail timeout' } }, LOGIN_OK);
    await expect(auth.ensureSignedIn()).rejects.toMatchObject({ code: 'NETWORK_TIMEOUT' });
    expect(fake.wx.showToast).not.toHaveBeenCalled();
    await auth.ensureSignedIn();
    expect(fake.storage.get('token')).toBe('tok-1');
  });

  test('logout forgets drafts and ID numbers but keeps the shared lists', async () => {
    fake.storage.set('token', 'tok');
    fake.storage.set('returnee_draft', { name: '张三' });
    fake.storage.set('returnee_id_card', '420102199001011234');
    fake.storage.set('privacy_accepted', privacy.VERSION);
    fake.storage.set('cache_regions', [1]);
    fake.route('POST', '/api/v1/auth/logout', { statusCode: 204 });

    await auth.logout();

    expect(Array.from(fake.storage.keys())).toEqual(['cache_regions']);
    expect(fake.calls('POST', '/api/v1/auth/logout')[0].header.Authorization).toBe('Bearer tok');
  });
});

describe('ensurePrivacyConsent', () => {
  beforeEach(() => {
    fake.storage.set('token', 'tok');
  });

  test('VERSION is the dated policy version the server checks', () => {
    expect(privacy.VERSION).toBe('2026-12-01');
  });

  test('already accepted on the server: no question, remembered on the phone', async () => {
    fake.route('GET', '/api/v1/me', {
      statusCode: 200,
      data: { id: 1, privacy: { version: '2026-12-01', accepted_at: '2026-12-02T01:00:00Z', current: '2026-12-01' } },
    });
    await expect(auth.ensurePrivacyConsent()).resolves.toBe(true);
    expect(fake.wx.showModal).not.toHaveBeenCalled();
    await expect(auth.ensurePrivacyConsent()).resolves.toBe(true);
    expect(fake.calls('GET', '/api/v1/me')).toHaveLength(1);
  });

  test('not accepted: asks with 同意/不同意, then records the version (204)', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, privacy: { version: null, accepted_at: null, current: '2026-12-01' } } });
    fake.route('POST', '/api/v1/me/privacy-consent', { statusCode: 204 });

    await expect(auth.ensurePrivacyConsent()).resolves.toBe(true);

    const modal = fake.wx.showModal.mock.calls[0][0];
    expect(modal.confirmText).toBe('同意');
    expect(modal.cancelText).toBe('不同意');
    expect(modal.content).toContain('身份证号和银行卡号');
    expect(fake.calls('POST', '/api/v1/me/privacy-consent')[0].data).toEqual({ version: '2026-12-01' });
    expect(fake.storage.get('privacy_accepted')).toBe('2026-12-01');
  });

  test('declined: resolves false and sends nothing', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, privacy: { version: '2025-01-01', accepted_at: '2025-01-02T01:00:00Z', current: '2026-12-01' } } });
    fake.wx.showModal.mockImplementation((opts) => setTimeout(() => opts.success({ confirm: false, cancel: true }), 0));

    await expect(auth.ensurePrivacyConsent()).resolves.toBe(false);
    expect(fake.calls('POST', '/api/v1/me/privacy-consent')).toHaveLength(0);
  });

  test('{ fresh: true } after a 422 asks the server again', async () => {
    fake.storage.set('privacy_accepted', '2026-12-01');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, privacy: { version: '2025-01-01', accepted_at: '2025-01-02T01:00:00Z', current: '2026-12-01' } } });
    fake.route('POST', '/api/v1/me/privacy-consent', { statusCode: 422, data: envelope('VALIDATION_FAILED', '隐私政策版本不对') });

    await expect(auth.ensurePrivacyConsent({ fresh: true, silent: true })).rejects.toMatchObject({ status: 422 });
    expect(fake.calls('GET', '/api/v1/me')).toHaveLength(1);
  });
});
