/**
 * lib/application-save.js: the first save is a POST with the form's
 * Idempotency-Key, resent with the same key and body until answered; a
 * definite 4xx starts a new key; later saves are PUTs with the version.
 * whatToShow() says what the page shows for a failure.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const { LOAN, application } = require('./helpers/backend');

let fake;
let save;
let model;
let http;

beforeEach(() => {
  jest.resetModules();
  fake = createFakeWx({ token: 'tok' });
  global.wx = fake.wx;
  save = require('../lib/application-save');
  model = require('../lib/application-form');
  http = require('../api/request');
});

afterEach(() => {
  delete global.wx;
});

const form = () => Object.assign(model.emptyForm(), {
  amount_yuan: '100000', term_months: '24', purpose: '买设备', bank_name: '农商银行', bank_account: '622200001111',
});

describe('createSync', () => {
  test('POST with the key; the same key and body after a lost answer; then PUT with the version', async () => {
    fake.route('POST', '/api/v1/applications',
      { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 201, data: application({ version: 1 }) });
    fake.route('PUT', '/api/v1/applications/42', { statusCode: 200, data: application({ version: 2 }) });
    const changed = jest.fn();
    const sync = save.createSync(null, { changed });
    const key = sync.idempotencyKey;

    await expect(sync.persist({ form: form(), policy: LOAN, attachments: ['a'] })).rejects.toMatchObject({ code: 'NETWORK_TIMEOUT' });
    expect(sync.pendingCreate).toMatchObject({ bank_account: '622200001111' });
    expect(changed).toHaveBeenCalled();
    await sync.persist({ form: form(), policy: LOAN, attachments: ['a'] });
    const posts = fake.calls('POST', '/api/v1/applications');
    expect(posts.map((p) => p.header['Idempotency-Key'])).toEqual([key, key]);
    expect(posts[1].data).toEqual(posts[0].data);
    expect(sync).toMatchObject({ appId: 42, version: 1, pendingCreate: null });

    await sync.persist({ form: Object.assign(form(), { purpose: '租门面' }), policy: LOAN, attachments: ['a'] });
    expect(fake.calls('PUT', '/api/v1/applications/42')[0].data).toMatchObject({ purpose: '租门面', version: 1 });
    expect(sync.version).toBe(2);
  });

  test('a definite 4xx answer starts a new key', async () => {
    fake.route('POST', '/api/v1/applications', { statusCode: 422, data: envelope('NOT_ELIGIBLE', '不能申请') });
    const sync = save.createSync({ idempotency_key: 'key-1234567890' });
    await expect(sync.persist({ form: form(), policy: LOAN, attachments: [] })).rejects.toMatchObject({ status: 422 });
    expect(sync.idempotencyKey).not.toBe('key-1234567890');
    expect(sync.pendingCreate).toBeNull();
  });

  test('a body kept on the phone is completed with the account typed again', async () => {
    fake.route('POST', '/api/v1/applications', { statusCode: 201, data: application({ version: 1 }) });
    const first = model.toBody(form(), LOAN, { attachments: ['a'], create: true });
    const kept = Object.assign({}, first, { bank_account: '****1111' });
    const sync = save.createSync({ idempotency_key: 'key-1234567890', pending_create: kept });
    await sync.persist({ form: form(), policy: LOAN, attachments: ['a'] });
    const post = fake.calls('POST', '/api/v1/applications')[0];
    expect(JSON.stringify(post.data)).toBe(JSON.stringify(first));
    expect(post.header['Idempotency-Key']).toBe('key-1234567890');
  });
});

describe('whatToShow', () => {
  const ctx = { policy: LOAN, appId: null, mode: 'new', texts: { LOAN_LIMIT: '上限', LOAD_FAILED: '失败' } };
  const err = (status, code, message, field) => new http.ApiError({
    status, code, message, field,
  });

  test('each answer has its place', () => {
    expect(save.whatToShow(err(0, 'NETWORK_ERROR', 'x'), ctx)).toEqual({ kind: 'network' });
    expect(save.whatToShow(err(409, 'STALE_VERSION', 'x'), ctx)).toEqual({ kind: 'stale' });
    expect(save.whatToShow(err(422, 'PRIVACY_CONSENT_REQUIRED', 'x'), ctx)).toEqual({ kind: 'privacy' });
    expect(save.whatToShow(err(409, 'LOAN_LIMIT_REACHED', 'x'), ctx)).toEqual({ kind: 'block', message: '上限', action: 'applications' });
    expect(save.whatToShow(err(422, 'AMOUNT_OVER_CAP', '超过上限', 'amount_fen'), ctx))
      .toEqual({ kind: 'field', key: 'amount_yuan', message: '超过上限' });
    expect(save.whatToShow(err(422, 'VALIDATION_FAILED', '开户行不能超过 64 字', 'bank_name'), ctx))
      .toEqual({ kind: 'field', key: 'bank_name', message: '开户行不能超过 64 字' });
    expect(save.whatToShow(err(422, 'MATERIALS_MISSING', '请上传身份证', 'id_front'), ctx))
      .toEqual({ kind: 'material', material: 'id_front', message: '请上传身份证' });
    expect(save.whatToShow(err(404, 'NOT_FOUND', 'x'), Object.assign({}, ctx, { appId: 42 }))).toEqual({ kind: 'gone' });
    expect(save.whatToShow(err(500, 'HTTP_500', ''), ctx)).toEqual({ kind: 'banner', message: '失败' });
  });
});
