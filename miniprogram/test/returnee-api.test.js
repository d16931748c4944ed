const { createFakeWx, envelope } = require('./helpers/fake-wx');
const { OPTIONS, RECORD } = require('./helpers/backend');

let fake;
let api;
let survey;

beforeEach(() => {
  jest.resetModules();
  fake = createFakeWx({ token: 'tok' });
  global.wx = fake.wx;
  api = require('../api/returnee');
  survey = require('../api/survey');
});

afterEach(() => {
  delete global.wx;
});

describe('api/returnee', () => {
  test('regions: townships without a parent, villages with one', async () => {
    fake.route('GET', '/api/v1/regions', (opts) => ({
      statusCode: 200,
      data: { items: [{ code: opts.data ? `${opts.data.parent}001` : '990101', name: 'x' }] },
    }));

    await expect(api.getRegions('')).resolves.toEqual([{ code: '990101', name: 'x' }]);
    await expect(api.getRegions('990101')).resolves.toEqual([{ code: '990101001', name: 'x' }]);
    const calls = fake.calls('GET', '/api/v1/regions');
    expect(calls[0].data).toBeUndefined();
    expect(calls[1].data).toEqual({ parent: '990101' });
  });

  test('options and regions fall back to the last good answer when the network fails', async () => {
    fake.route('GET', '/api/v1/options',
      { statusCode: 200, data: OPTIONS },
      { fail: { errMsg: 'request:fail timeout' } });
    await expect(api.getOptions()).resolves.toEqual(OPTIONS);
    await expect(api.getOptions()).resolves.toEqual(OPTIONS);

    fake.route('GET', '/api/v1/regions', { fail: { errMsg: 'request:fail' } });
    await expect(api.getRegions('990109')).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('a client error is not hidden by the cache', async () => {
    fake.route('GET', '/api/v1/options',
      { statusCode: 200, data: OPTIONS },
      { statusCode: 403, data: envelope('FORBIDDEN', '没有权限执行此操作') });
    await api.getOptions();
    await expect(api.getOptions()).rejects.toMatchObject({ status: 403 });
  });

  test('my record: 404 NOT_REGISTERED resolves null, the record otherwise', async () => {
    fake.route('GET', '/api/v1/me/returnee',
      { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记') },
      { statusCode: 200, data: RECORD });
    await expect(api.getMyReturnee()).resolves.toBeNull();
    await expect(api.getMyReturnee()).resolves.toEqual(RECORD);
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('save is a PUT of the whole record; confirm is a POST', async () => {
    fake.route('PUT', '/api/v1/me/returnee', { statusCode: 200, data: RECORD });
    fake.route('POST', '/api/v1/me/returnee/confirm', { statusCode: 200, data: RECORD });
    await expect(api.saveMyReturnee({ name: '张三' })).resolves.toEqual(RECORD);
    await expect(api.confirmMyReturnee()).resolves.toEqual(RECORD);
    expect(fake.calls('PUT', '/api/v1/me/returnee')[0].data).toEqual({ name: '张三' });
  });
});

describe('api/survey', () => {
  test('current survey or null; answers posted to the survey id', async () => {
    fake.route('GET', '/api/v1/surveys/current',
      { statusCode: 404, data: envelope('NOT_FOUND', '暂无调查') },
      { statusCode: 200, data: { id: 3, questions: [] } });
    fake.route('POST', '/api/v1/surveys/3/answers', { statusCode: 200, data: {} });

    await expect(survey.getCurrentSurvey()).resolves.toBeNull();
    await expect(survey.getCurrentSurvey()).resolves.toEqual({ id: 3, questions: [] });
    await survey.submitAnswers(3, [{ question: 'q1', options: ['a'] }]);
    expect(fake.calls('POST', '/api/v1/surveys/3/answers')[0].data).toEqual({
      answers: [{ question: 'q1', options: ['a'] }],
    });
  });
});
