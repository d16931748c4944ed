/**
 * api/applications.js, api/messages.js and lib/subscribe.js: the
 * Idempotency-Key header, PUT, the policies cache, and reporting only the
 * accepted subscribe templates.
 */
const { createFakeWx, envelope, duringUserTap } = require('./helpers/fake-wx');

let fake;

beforeEach(() => {
  jest.resetModules();
  fake = createFakeWx({ token: 'tok' });
  global.wx = fake.wx;
});

afterEach(() => {
  delete global.wx;
});

describe('api/applications', () => {
  test('create sends the Idempotency-Key; update is a PUT with the version', async () => {
    const api = require('../api/applications');
    fake.route('POST', '/api/v1/applications', { statusCode: 201, data: { id: 1, version: 1 } });
    fake.route('PUT', '/api/v1/applications/1', { statusCode: 200, data: { id: 1, version: 2 } });

    await api.createApplication({ policy: 'startup_subsidy' }, 'key-1');
    await api.updateApplication(1, { bank_name: 'x', version: 1 });

    expect(fake.calls('POST', '/api/v1/applications')[0].header).toMatchObject({
      'Idempotency-Key': 'key-1', Authorization: 'Bearer tok',
    });
    expect(fake.calls('PUT', '/api/v1/applications/1')[0].data).toEqual({ bank_name: 'x', version: 1 });
  });

  test('create with keepUntilOnline: a network failure waits for the network, then the same key is sent', async () => {
    const api = require('../api/applications');
    // eslint-disable-next-line global-require
    const net = require('./helpers/network-wx').withNetwork(fake);
    fake.route('POST', '/api/v1/applications',
      { fail: { errMsg: 'request:fail ' } },
      { statusCode: 201, data: { id: 1, version: 1 } });
    const onKept = jest.fn();
    const created = api.createApplication({ policy: 'startup_subsidy' }, 'key-12345678', {
      silent: true, keepUntilOnline: true, onKept,
    });
    await new Promise((r) => { setTimeout(r, 10); });
    expect(onKept).toHaveBeenCalledTimes(1);
    net.up();
    await expect(created).resolves.toEqual({ id: 1, version: 1 });
    expect(fake.calls('POST', '/api/v1/applications').map((c) => c.header['Idempotency-Key']))
      .toEqual(['key-12345678', 'key-12345678']);
  });

  test('policies: the last good answer is used when the network fails, never for a 4xx', async () => {
    const api = require('../api/applications');
    fake.route('GET', '/api/v1/policies',
      { statusCode: 200, data: { subscribe_template_id: 'T1', items: [{ code: 'a' }] } },
      { fail: { errMsg: 'request:fail' } },
      { statusCode: 403, data: envelope('FORBIDDEN', '无权访问') });

    await expect(api.getPolicies()).resolves.toEqual({ subscribe_template_id: 'T1', items: [{ code: 'a' }] });
    await expect(api.getPolicies()).resolves.toMatchObject({ cached: true, items: [{ code: 'a' }] });
    await expect(api.getPolicies()).rejects.toMatchObject({ status: 403 });
    expect(api.cachedTemplateId()).toBe('T1');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('submit and withdraw send the version', async () => {
    const api = require('../api/applications');
    fake.route('POST', '/api/v1/applications/9/submit', { statusCode: 200, data: { id: 9 } });
    fake.route('POST', '/api/v1/applications/9/withdraw', { statusCode: 200, data: { id: 9 } });
    await api.submitApplication(9, 3);
    await api.withdrawApplication(9, 4);
    expect(fake.calls('POST', '/api/v1/applications/9/submit')[0].data).toEqual({ version: 3 });
    expect(fake.calls('POST', '/api/v1/applications/9/withdraw')[0].data).toEqual({ version: 4 });
  });
});

describe('subscribe consent', () => {
  test('reports only the accepted templates', async () => {
    const subscribe = require('../lib/subscribe');
    fake.subscribeAnswer = { T1: 'accept', T2: 'reject', T3: 'ban' };
    fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { T1: 1 } } });

    await expect(duringUserTap(() => subscribe.askConsent(['T1', 'T2', 'T3']))).resolves.toEqual(['T1']);

    expect(fake.wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['T1', 'T2', 'T3']);
    expect(fake.calls('POST', '/api/v1/me/subscriptions')[0].data).toEqual({ accepted: ['T1'] });
  });

  test('the notice template is asked for unless pushes are off, the consent is long-term or none is set', async () => {
    const subscribe = require('../lib/subscribe');
    const SETTINGS = '/api/v1/me/notification-settings';
    const base = { pushes_enabled: true, notice_template_id: 'TN', notice_consent: 'none' };
    const ok = (over) => ({ statusCode: 200, data: Object.assign({}, base, over) });
    fake.route('GET', SETTINGS,
      ok(),
      ok({ notice_consent: 'one_time', notice_remaining: 1 }),
      ok({ pushes_enabled: false }),
      ok({ notice_consent: 'long_term' }),
      ok({ notice_template_id: '' }),
      { statusCode: 500, data: envelope('INTERNAL', 'x') });
    const answers = [];
    for (let i = 0; i < 6; i += 1) {
      // eslint-disable-next-line no-await-in-loop
      answers.push(await subscribe.noticeTemplateToAsk());
    }
    expect(answers).toEqual(['TN', 'TN', '', '', '', '']);
    // Read quietly: no toast, also for the failure.
    expect(fake.wx.showToast).not.toHaveBeenCalled();
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
  });

  test('nothing accepted, a failed dialog or no template: nothing reported', async () => {
    const subscribe = require('../lib/subscribe');
    fake.subscribeAnswer = { T1: 'reject' };
    await expect(duringUserTap(() => subscribe.askConsent('T1'))).resolves.toEqual([]);
    fake.wx.requestSubscribeMessage.mockImplementation((opts) => setTimeout(() => opts.fail({ errMsg: 'fail' }), 0));
    await expect(duringUserTap(() => subscribe.askConsent('T1'))).resolves.toEqual([]);
    await expect(duringUserTap(() => subscribe.askConsent(''))).resolves.toEqual([]);
    expect(fake.wx.request).not.toHaveBeenCalled();
  });

  test('a status counts as changed only against one seen before', () => {
    const subscribe = require('../lib/subscribe');
    expect(subscribe.statusChanged(1, 'submitted')).toBe(false);
    subscribe.markSeen(1, 'submitted');
    expect(subscribe.statusChanged(1, 'submitted')).toBe(false);
    expect(subscribe.statusChanged(1, 'returned')).toBe(true);
    expect(subscribe.expectsNews('returned')).toBe(true);
    expect(subscribe.expectsNews('disbursed')).toBe(false);
    expect(subscribe.expectsNews('draft')).toBe(false);
  });
});

describe('api/messages', () => {
  test('a page of messages, mark read, unread count silently', async () => {
    const api = require('../api/messages');
    fake.route('GET', '/api/v1/me/messages',
      { statusCode: 200, data: { items: [{ id: 1 }], unread: 4 } },
      { fail: { errMsg: 'request:fail' } });
    fake.route('POST', '/api/v1/me/messages/1/read', { statusCode: 204 });

    await expect(api.getMessages(1)).resolves.toMatchObject({ items: [{ id: 1 }], unread: 4, page: 1 });
    await expect(api.getUnreadCount()).resolves.toBe(0);
    await expect(api.markRead(1)).resolves.toBeNull();
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });
});

describe('lib/uuid', () => {
  test('version 4 UUIDs, different each time', () => {
    const { uuid4, isUuid } = require('../lib/uuid');
    const a = uuid4();
    expect(isUuid(a)).toBe(true);
    expect(uuid4()).not.toBe(a);
  });
});
