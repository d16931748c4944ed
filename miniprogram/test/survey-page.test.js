/**
 * 意愿调查 (pages/survey) with TDesign radio and check-box groups:
 * single/multi/text questions, required checks, max choices, the draft
 * (at most one write per half second), submitting and the server's answers.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, simulate,
} = require('./helpers/page');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

// Pages still open are closed here, so a draft write they owe stays in their own test.
let opened = [];

afterEach(() => {
  opened.forEach((page) => {
    try {
      page.detach();
    } catch (e) {
      // already closed by the test
    }
  });
  opened = [];
  global.wx = simulateWx;
});

const SURVEY = {
  id: 7,
  version: 2,
  title: '返乡人员创业就业意愿调查',
  description: '大约需要3分钟',
  questions: [
    {
      code: 'q1',
      type: 'single',
      title: '您打算在家乡长期发展吗？',
      required: true,
      options: [{ code: 'a', label: '打算' }, { code: 'b', label: '还没想好' }],
    },
    {
      code: 'q2',
      type: 'multi',
      title: '您最需要哪些帮助？',
      required: true,
      max_choices: 2,
      options: [{ code: 'x', label: '资金' }, { code: 'y', label: '培训' }, { code: 'z', label: '场地' }],
    },
    {
      code: 'q3',
      type: 'text',
      title: '其他想说的',
      required: false,
      max_length: 10,
    },
  ],
  my_answers: [],
};

const survey = (overrides) => ({ statusCode: 200, data: Object.assign({}, SURVEY, overrides) });
// What the user sees: the TDesign radio / check box drawn checked.
const isOn = (page, id) => find(page, id)._exparserNode.data.checked === true;

async function open() {
  const page = mountPage('survey');
  opened.push(page);
  await settle(page, (p) => p.instance.data.status !== 'loading', 'loaded');
  return page;
}

describe('pages/survey', () => {
  test('renders the questions and checks the required ones', async () => {
    fake.route('GET', '/api/v1/surveys/current', survey());
    const page = await open();

    expect(text(page, '#survey-title')).toBe('返乡人员创业就业意愿调查');
    expect(find(page, '#opt-q1-a')).toBeTruthy();
    expect(text(page, '#q-q2')).toContain('可多选，最多选2项');
    expect(text(page, '#count-q3')).toBe('0/10');

    await tap(page, '#submit-btn');
    expect(text(page, '#err-q1')).toBe('这道题必须回答，请选一项');
    expect(text(page, '#err-q2')).toBe('这道题必须回答，请至少选一项');
    expect(find(page, '#err-q3')).toBeFalsy();
    expect(text(page, '#form-hint')).toBe('还有题目没答好，请看标红的地方');
    expect(fake.calls('POST', '/api/v1/surveys/7/answers')).toHaveLength(0);
  });

  test('single choice replaces, multi choice stops at max_choices, text counts characters', async () => {
    fake.route('GET', '/api/v1/surveys/current', survey());
    const page = await open();

    await tap(page, '#opt-q1-a');
    await tap(page, '#opt-q1-b');
    expect(isOn(page, '#opt-q1-a')).toBe(false);
    expect(isOn(page, '#opt-q1-b')).toBe(true);

    await tap(page, '#opt-q2-x');
    await tap(page, '#opt-q2-y');
    await tap(page, '#opt-q2-z');
    expect(isOn(page, '#opt-q2-z')).toBe(false);
    expect(text(page, '#err-q2')).toBe('最多选2项，如要换一项，请先取消已选的');
    await tap(page, '#opt-q2-x');
    await tap(page, '#opt-q2-z');
    expect(isOn(page, '#opt-q2-z')).toBe(true);
    expect(find(page, '#err-q2')).toBeFalsy();

    await type(page, '#text-q3', '想开一家茶叶店，需要贷款');
    expect(text(page, '#count-q3')).toBe('12/10');
    await tap(page, '#submit-btn');
    expect(text(page, '#err-q3')).toBe('最多10个字，已超出2个字');
    expect(fake.calls('POST', '/api/v1/surveys/7/answers')).toHaveLength(0);
  });

  test('submits the answers, clears the draft and says thank you', async () => {
    fake.route('GET', '/api/v1/surveys/current', survey());
    fake.route('POST', '/api/v1/surveys/7/answers', { statusCode: 200, data: { ok: true } });
    const page = await open();

    await tap(page, '#opt-q1-a');
    await tap(page, '#opt-q2-y');
    await tap(page, '#opt-q2-x');
    await type(page, '#text-q3', ' 想开茶叶店 ');
    page.instance.onHide();
    expect(fake.storage.get('survey_draft')).toMatchObject({
      survey_id: 7, version: 2, picked: { q1: ['a'], q2: ['y', 'x'] }, texts: { q3: ' 想开茶叶店 ' },
    });
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#thanks'), 'thanks');

    expect(fake.calls('POST', '/api/v1/surveys/7/answers')[0].data).toEqual({
      answers: [
        { question: 'q1', options: ['a'] },
        { question: 'q2', options: ['x', 'y'] },
        { question: 'q3', text: '想开茶叶店' },
      ],
    });
    expect(text(page, '#thanks')).toContain('提交成功，谢谢您！');
    expect(fake.storage.has('survey_draft')).toBe(false);
  });

  test('prefilled with my earlier answers; the draft of the same survey wins', async () => {
    const answered = survey({
      my_answers: [{ question: 'q1', options: ['b'] }, { question: 'q3', text: '没有' }],
    });
    fake.route('GET', '/api/v1/surveys/current', answered);
    const page = await open();

    expect(isOn(page, '#opt-q1-b')).toBe(true);
    expect(page.instance.data.texts.q3).toBe('没有');
    expect(text(page, '#answered-note')).toBe('您已经填过这份调查，可以修改后再提交。');
    expect(text(page, '#submit-btn')).toBe('更新我的回答');

    await tap(page, '#opt-q1-a');
    page.detach();

    const again = await open();
    expect(isOn(again, '#opt-q1-a')).toBe(true);
    expect(isOn(again, '#opt-q1-b')).toBe(false);

    // A draft for an older version of the survey is not used.
    fake.storage.set('survey_draft', { survey_id: 7, version: 1, picked: { q1: ['a'] }, texts: {} });
    const third = await open();
    expect(isOn(third, '#opt-q1-b')).toBe(true);
  });

  test('ANSWER_INVALID marks the question; SURVEY_CLOSED says the survey is over', async () => {
    fake.route('GET', '/api/v1/surveys/current', survey());
    fake.route('POST', '/api/v1/surveys/7/answers',
      { statusCode: 422, data: { error: { code: 'ANSWER_INVALID', message: '选项无效，请重新选择', field: 'q2' } } },
      { statusCode: 409, data: envelope('SURVEY_CLOSED', '调查已结束') });
    const page = await open();

    await tap(page, '#opt-q1-a');
    await tap(page, '#opt-q2-x');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#err-q2'), 'q2 error');
    expect(text(page, '#err-q2')).toBe('选项无效，请重新选择');

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#closed'), 'closed');
    expect(text(page, '#closed-message')).toBe('调查已结束');
  });

  test('a new version of the same survey keeps the answers in progress that still fit', async () => {
    fake.route('GET', '/api/v1/surveys/current',
      survey({ code: 'return_intention' }),
      survey({
        id: 8,
        version: 3,
        code: 'return_intention',
        questions: [SURVEY.questions[0], Object.assign({}, SURVEY.questions[1], { options: [{ code: 'y', label: '培训' }] })],
        my_answers: undefined,
        my_response: { survey_id: 8, version: 3, answers: [{ question: 'q1', options: ['b'] }] },
      }));
    fake.route('POST', '/api/v1/surveys/7/answers', { statusCode: 409, data: envelope('SURVEY_CLOSED', '该问卷已结束，请刷新后填写最新的问卷') });
    const page = await open();

    await tap(page, '#opt-q1-a');
    await tap(page, '#opt-q2-x');
    await tap(page, '#opt-q2-y');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#reload-btn'), 'closed');
    await tap(page, '#reload-btn');
    await settle(page, (p) => p.instance.data.status === 'ready' && find(p, '#opt-q1-a'), 'new version');

    expect(isOn(page, '#opt-q1-a')).toBe(true);
    expect(isOn(page, '#opt-q2-y')).toBe(true);
    expect(find(page, '#opt-q2-x')).toBeFalsy();
    expect(text(page, '#answered-note')).toBe('您已经填过这份调查，可以修改后再提交。');
  });

  test('no survey open (404) and a lost network on submit', async () => {
    fake.route('GET', '/api/v1/surveys/current', { statusCode: 404, data: envelope('NOT_FOUND', '暂无调查') });
    const none = await open();
    expect(text(none, '#state')).toContain('目前没有正在进行的调查');
    expect(find(none, '#back-btn')).toBeTruthy();
    none.detach();

    fake.route('GET', '/api/v1/surveys/current', survey());
    fake.route('POST', '/api/v1/surveys/7/answers', { fail: { errMsg: 'request:fail timeout' } });
    const page = await open();
    await tap(page, '#opt-q1-a');
    await tap(page, '#opt-q2-x');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'network error');
    expect(text(page, '#submit-error')).toBe('没有连上网络，回答还没有提交。您的回答已保存在手机上，等信号好些再点一次提交。');
    expect(fake.storage.get('survey_draft').picked).toEqual({ q1: ['a'], q2: ['x'] });
  });

  test('quick taps write the draft at most once per half second; the last answer is kept', async () => {
    fake.route('GET', '/api/v1/surveys/current', survey());
    const page = await open();
    fake.wx.setStorageSync.mockClear();

    // The rule is in real time: at most one write per started half second since the first tap
    // (on an idle machine the five taps take a few ms: one write now, the last edit 500 ms later;
    // on a loaded CI machine the taps themselves may span more than half a second).
    const start = Date.now();
    await tap(page, '#opt-q1-a');
    await tap(page, '#opt-q1-b');
    await tap(page, '#opt-q2-x');
    await type(page, '#text-q3', '想');
    await type(page, '#text-q3', '想开');
    const writes = () => fake.wx.setStorageSync.mock.calls.filter((c) => c[0] === 'survey_draft');
    const atMost = () => 1 + Math.floor((Date.now() - start) / 500);
    expect(writes().length).toBeGreaterThanOrEqual(1);
    expect(writes().length).toBeLessThanOrEqual(atMost());
    await simulate.sleep(600);
    expect(writes().length).toBeGreaterThanOrEqual(2);
    expect(writes().length).toBeLessThanOrEqual(atMost());
    expect(fake.storage.get('survey_draft')).toMatchObject({ picked: { q1: ['b'], q2: ['x'] }, texts: { q3: '想开' } });
  });
});
