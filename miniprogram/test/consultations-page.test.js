/**
 * 导师问诊: 向导师提问 (pages/consultations/ask), 我的问诊
 * (pages/consultations/consultations) and the thread
 * (pages/consultations/detail?id=N, what inbox messages open for both
 * sides): whom to ask (a chosen mentor, or 任一导师 by field), the body
 * sent with photos, CONTENT_REJECTED keeps the text; the thread with
 * photos, a reply, closing and rating for the asker; the mentor's view
 * (the asker's summary, reply, close with a summary).
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, simulate,
} = require('./helpers/page');
const { resetKeys } = require('../lib/upload-list');

const simulateWx = global.wx;
let fake;
let opened = [];

beforeEach(() => {
  resetKeys();
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
  fake.route('GET', '/api/v1/options', {
    statusCode: 200,
    data: { intended_field: [{ code: 'ecommerce', label: '电子商务' }, { code: 'tea', label: '茶叶种植加工' }] },
  });
  fake.route('GET', '/api/v1/mentors', { statusCode: 200, data: { items: [{ id: 4, name: '王导师' }, { id: 5, name: '陈导师' }] } });
  fake.route('GET', '/api/v1/mentors/4', { statusCode: 200, data: { id: 4, name: '王导师', slots: [] } });
});

afterEach(async () => {
  opened.forEach((page) => {
    try {
      page.detach();
    } catch (e) {
      // already closed
    }
  });
  opened = [];
  await simulate.sleep(20);
  global.wx = simulateWx;
});

function open(name, query) {
  const page = mountPage(name, query);
  opened.push(page);
  return page;
}

const ASK = '/api/v1/consultations';
const ONE = '/api/v1/consultations/8';

function consultation(over) {
  return Object.assign({
    id: 8,
    mentor_id: 4,
    mentor_name: '王导师',
    field: null,
    question: '想开网店卖茶叶，怎么起步？',
    images: [{ id: 'up_q', url: 'https://files.test/q.jpg' }],
    status: 'answered',
    created_at: '2026-12-03T02:00:00Z',
    role: 'asker',
    messages: [
      { id: 1, author: 'mentor', text: '先办个体工商户', images: [], created_at: '2026-12-03T03:00:00Z' },
      { id: 2, author: 'asker', text: '好的，这是我的茶园', images: [{ id: 'up_m', url: 'https://files.test/m.jpg' }], created_at: '2026-12-03T03:10:00Z' },
    ],
  }, over);
}

describe('pages/consultations/ask: 向导师提问', () => {
  test('from a mentor\'s page: that mentor; question and a photo sent; opens the thread', async () => {
    fake.route('UPLOAD', '/api/v1/uploads', { statusCode: 201, data: { id: 'up_a', url: '/files/up_a', kind: 'other', content_type: 'image/jpeg' } });
    fake.route('POST', ASK, { statusCode: 201, data: consultation({ id: 12, status: 'assigned', messages: [] }) });
    const page = open('pages/consultations/ask', { mentor_id: '4' });
    await settle(page, (p) => find(p, '#fixed-mentor'), 'the mentor');
    expect(text(page, '#fixed-mentor')).toBe('导师：王导师');
    expect(find(page, '#target-any')).toBeFalsy();
    await type(page, '#question', ' 想开网店卖茶叶 ');
    await tap(page, '#add-photo');
    await settle(page, (p) => text(p, '#file-status-u1') === '已上传', 'uploaded');
    await tap(page, '#submit-btn');
    await settle(page, () => fake.wx.redirectTo.mock.calls.length, 'opened');
    expect(fake.calls('POST', ASK)[0].data).toEqual({ mentor_id: 4, question: '想开网店卖茶叶', images: ['up_a'] });
    expect(fake.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/consultations/detail?id=12' }));
  });

  test('任一导师: a field is needed, then sent as field', async () => {
    fake.route('POST', ASK, { statusCode: 201, data: consultation({ id: 13, mentor_id: null, mentor_name: '', status: 'waiting' }) });
    const page = open('pages/consultations/ask');
    await settle(page, (p) => find(p, '#target-5'), 'mentors');
    await type(page, '#question', '茶叶怎么卖');
    await tap(page, '#submit-btn');
    expect(text(page, '#form-error')).toBe('请选一位导师，或者选“任一导师”再选领域');
    await tap(page, '#target-any');
    await tap(page, '#submit-btn');
    expect(text(page, '#form-error')).toBe('请选想问哪方面（领域）');
    await tap(page, '#field-tea');
    await tap(page, '#submit-btn');
    await settle(page, () => fake.calls('POST', ASK).length, 'sent');
    expect(fake.calls('POST', ASK)[0].data).toEqual({ field: 'tea', question: '茶叶怎么卖' });
  });

  test('CONTENT_REJECTED: said so, the text kept', async () => {
    fake.route('POST', ASK, { statusCode: 422, data: envelope('CONTENT_REJECTED', 'x') });
    const page = open('pages/consultations/ask');
    await settle(page, (p) => find(p, '#target-4'), 'mentors');
    await tap(page, '#target-4');
    await type(page, '#question', '一段不能发的话');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'error');
    expect(text(page, '#submit-error')).toContain('没有发出去。您写的字还在');
    expect(page.instance.data.question).toBe('一段不能发的话');
    expect(fake.wx.redirectTo).not.toHaveBeenCalled();
  });
});

describe('pages/consultations/ask: the notice consent in the 提交问题 tap', () => {
  const SETTINGS = '/api/v1/me/notification-settings';
  const NOTICE = 'TMPL_NOTICE';
  const settings = (over) => ({
    statusCode: 200,
    data: Object.assign({
      pushes_enabled: true, notice_template_id: NOTICE, notice_consent: 'none', notice_remaining: 0, quiet_hours: { from: '22:00', to: '08:00' }, weekly_cap: 3,
    }, over),
  });

  async function openReady() {
    const page = open('pages/consultations/ask', { mentor_id: '4' });
    await settle(page, (p) => find(p, '#fixed-mentor') && fake.calls('GET', SETTINGS).length === 1, 'ready');
    await simulate.sleep(10);
    await type(page, '#question', '想开网店卖茶叶');
    return page;
  }

  test('accepted: asked inside the tap with one plain line first, reported, then the thread opens', async () => {
    fake.route('GET', SETTINGS, settings());
    fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { [NOTICE]: 1 } } });
    fake.route('POST', ASK, { statusCode: 201, data: consultation({ id: 12, status: 'assigned', messages: [] }) });
    const page = await openReady();
    expect(text(page, '#notify-text')).toBe('导师回复时也可以在微信里通知您：提交时微信会问您，不同意也照样提交。');

    await tap(page, '#submit-btn');
    await settle(page, () => fake.wx.redirectTo.mock.calls.length, 'opened');
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(fake.wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([NOTICE]);
    expect(fake.calls('POST', '/api/v1/me/subscriptions').map((c) => c.data)).toEqual([{ accepted: [NOTICE] }]);
    expect(fake.calls('POST', ASK)).toHaveLength(1);
    expect(fake.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/consultations/detail?id=12' }));
  });

  test('rejected: the question is sent all the same, nothing reported; not asked again on a second try', async () => {
    fake.route('GET', SETTINGS, settings({ notice_consent: 'one_time', notice_remaining: 2 }));
    fake.subscribeAnswer = { [NOTICE]: 'reject' };
    fake.route('POST', ASK, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 201, data: consultation({ id: 12 }) });
    const page = await openReady();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'network');
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(fake.calls('POST', '/api/v1/me/subscriptions')).toHaveLength(0);
    expect(find(page, '#notify-text')).toBeFalsy();

    await tap(page, '#submit-btn');
    await settle(page, () => fake.wx.redirectTo.mock.calls.length, 'opened');
    expect(fake.calls('POST', ASK)).toHaveLength(2);
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
  });

  test('a form error: nothing asked yet', async () => {
    fake.route('GET', SETTINGS, settings());
    const page = open('pages/consultations/ask');
    await settle(page, (p) => find(p, '#target-4') && fake.calls('GET', SETTINGS).length === 1, 'ready');
    await simulate.sleep(10);
    await tap(page, '#submit-btn');
    expect(text(page, '#form-error')).toBe('请选一位导师，或者选“任一导师”再选领域');
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
  });

  test.each([
    ['pushes switched off in 消息推送', { pushes_enabled: false }],
    ['a long-term consent already', { notice_consent: 'long_term' }],
  ])('%s: no line, no prompt, the question sent', async (what, over) => {
    fake.route('GET', SETTINGS, settings(over));
    fake.route('POST', ASK, { statusCode: 201, data: consultation({ id: 12 }) });
    const page = await openReady();
    expect(find(page, '#notify-text')).toBeFalsy();
    await tap(page, '#submit-btn');
    await settle(page, () => fake.wx.redirectTo.mock.calls.length, 'opened');
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
  });
});

describe('pages/consultations: loading states', () => {
  test('向导师提问: a failed load offers 重试; a mentor no longer taking questions: choose another', async () => {
    fake.route('GET', '/api/v1/mentors', { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: { items: [{ id: 5, name: '陈导师' }] } });
    const page = open('pages/consultations/ask');
    await settle(page, (p) => find(p, '#state >>> #state-error'), 'error');
    expect(text(page, '#state >>> #state-retry')).toBe('重试');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#target-5'), 'loaded again');

    fake.route('GET', '/api/v1/mentors/4', { statusCode: 404, data: envelope('NOT_FOUND', 'x') });
    const gone = open('pages/consultations/ask', { mentor_id: '4' });
    await settle(gone, (p) => p.instance.data.status === 'ready' && find(p, '#target-any'), 'the choice instead');
    expect(find(gone, '#fixed-mentor')).toBeFalsy();
  });

  test('the thread: a failed load offers 重试', async () => {
    fake.route('GET', ONE, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: consultation() });
    const page = open('pages/consultations/detail', { id: '8' });
    await settle(page, (p) => find(p, '#state >>> #state-error'), 'error');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#msg-1'), 'loaded again');
  });
});

describe('pages/consultations/consultations: 我的问诊', () => {
  test('cards with the mentor and status; 我要提问; tap opens the thread', async () => {
    fake.route('GET', ASK, { statusCode: 200, data: { items: [consultation(), consultation({ id: 9, mentor_id: null, mentor_name: '', status: 'waiting' })] } });
    const page = open('pages/consultations/consultations');
    await settle(page, (p) => find(p, '#consult-8'), 'list');
    expect(text(page, '#consult-8-mentor')).toBe('导师：王导师');
    expect(text(page, '#consult-8-status')).toBe('导师已回复');
    expect(text(page, '#consult-9-mentor')).toBe('正在安排导师');
    await tap(page, '#consult-8');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/consultations/detail?id=8' }));
    await tap(page, '#ask-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/consultations/ask' }));
  });

  test('none yet; an error with 重试', async () => {
    fake.route('GET', ASK, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: { items: [] } });
    const page = open('pages/consultations/consultations');
    await settle(page, (p) => find(p, '#state >>> #state-error'), 'error');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#state >>> #state-empty'), 'empty');
    expect(text(page, '#state >>> #state-empty')).toBe('还没有向导师提过问题');
  });
});

describe('pages/consultations/detail: the asker', () => {
  async function openThread(c) {
    fake.route('GET', ONE, { statusCode: 200, data: c });
    const page = open('pages/consultations/detail', { id: '8' });
    await settle(page, (p) => find(p, '#question'), 'thread');
    return page;
  }

  test('the thread: who wrote, photos open large; a reply is sent and shown', async () => {
    const answered = consultation();
    answered.messages.push({ id: 3, author: 'asker', text: '要办哪些证？', images: [], created_at: '2026-12-03T04:00:00Z' });
    fake.route('POST', `${ONE}/messages`, { statusCode: 201, data: answered });
    const page = await openThread(consultation());
    expect(text(page, '#msg-1-who')).toBe('导师 王导师 · 12月3日 11:00');
    expect(text(page, '#msg-2-who')).toBe('我 · 12月3日 11:10');
    expect(find(page, '#msg-2').dom.className).toContain('msg-mine');
    expect(find(page, '#asker')).toBeFalsy();
    await tap(page, '#msg-2-pic-0');
    expect(fake.wx.previewImage).toHaveBeenCalledWith(expect.objectContaining({ current: 'https://files.test/m.jpg' }));

    await tap(page, '#send-btn');
    expect(text(page, '#send-error')).toBe('请写几句话，或者加一张照片');
    await type(page, '#reply', '要办哪些证？');
    await tap(page, '#send-btn');
    await settle(page, (p) => find(p, '#msg-3'), 'sent');
    expect(fake.calls('POST', `${ONE}/messages`)[0].data).toEqual({ text: '要办哪些证？' });
    expect(page.instance.data.reply).toBe('');
  });

  test('CONTENT_REJECTED: the text stays in the box', async () => {
    fake.route('POST', `${ONE}/messages`, { statusCode: 422, data: envelope('CONTENT_REJECTED', 'x') });
    const page = await openThread(consultation());
    await type(page, '#reply', '一段不能发的话');
    await tap(page, '#send-btn');
    await settle(page, (p) => find(p, '#send-error'), 'error');
    expect(text(page, '#send-error')).toBe('这段话里有不能发送的内容，没有发出去。您写的字还在，请修改后再发。');
    expect(page.instance.data.reply).toBe('一段不能发的话');
  });

  test('结束问诊 (asked first), then a rating once', async () => {
    fake.route('POST', `${ONE}/close`, { statusCode: 200, data: consultation({ status: 'closed', closed_by: 'asker' }) });
    fake.route('POST', `${ONE}/rate`, { statusCode: 200, data: consultation({ status: 'closed', stars: 5, comment: '讲得清楚' }) });
    const page = await openThread(consultation());
    await tap(page, '#close-btn');
    expect(fake.wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ confirmText: '结束', cancelText: '不结束' }));
    await settle(page, (p) => find(p, '#rate'), 'closed');
    expect(fake.calls('POST', `${ONE}/close`)[0].data).toEqual({});
    expect(find(page, '#reply-box')).toBeFalsy();
    await tap(page, '#star-5');
    await type(page, '#comment', '讲得清楚');
    await tap(page, '#rate-btn');
    await settle(page, (p) => find(p, '#rated'), 'rated');
    expect(fake.calls('POST', `${ONE}/rate`)[0].data).toEqual({ stars: 5, comment: '讲得清楚' });
    expect(find(page, '#rate')).toBeFalsy();
  });

  test('waiting for a mentor: said so; not mine: 404 said plainly', async () => {
    const page = await openThread(consultation({ mentor_id: null, mentor_name: '', status: 'waiting', messages: [] }));
    expect(text(page, '#mentor')).toContain('正在安排导师');
    expect(text(page, '#no-messages')).toContain('导师还没有回复');

    fake.route('GET', ONE, { statusCode: 404, data: envelope('NOT_FOUND', 'x') });
    const gone = open('pages/consultations/detail', { id: '8' });
    await settle(gone, (p) => find(p, '#state >>> #state-empty'), 'empty');
    expect(text(gone, '#state >>> #state-empty')).toBe('没有找到这个问诊，可能不是您的。');
  });
});

describe('pages/consultations/detail: the mentor', () => {
  const MENTOR_VIEW = consultation({
    role: 'mentor',
    status: 'assigned',
    messages: [],
    asker: {
      name: '李回乡', township: '贺胜桥镇', returnee_status: 'returned', intention: 'preparing', fields: ['tea'], needs: [],
    },
  });

  test('the asker\'s summary; the first reply; close with a summary', async () => {
    const replied = Object.assign({}, MENTOR_VIEW, {
      status: 'answered',
      messages: [{ id: 5, author: 'mentor', text: '先办个体工商户', images: [], created_at: '2026-12-03T05:00:00Z' }],
    });
    fake.route('GET', ONE, { statusCode: 200, data: MENTOR_VIEW });
    fake.route('POST', `${ONE}/messages`, { statusCode: 201, data: replied });
    fake.route('POST', `${ONE}/close`, { statusCode: 200, data: Object.assign({}, replied, { status: 'closed', summary: '建议先办证' }) });
    const page = open('pages/consultations/detail', { id: '8' });
    await settle(page, (p) => find(p, '#asker'), 'thread');
    expect(text(page, '#asker-name')).toBe('李回乡');
    expect(text(page, '#asker-lines')).toBe('贺胜桥镇 · 已返乡 · 正在准备创业');
    await type(page, '#reply', '先办个体工商户');
    await tap(page, '#send-btn');
    await settle(page, (p) => find(p, '#msg-5'), 'replied');
    expect(text(page, '#msg-5-who')).toBe('我 · 12月3日 13:00');

    await tap(page, '#close-btn');
    await settle(page, (p) => find(p, '#summary-input'), 'summary box');
    expect(fake.wx.showModal).not.toHaveBeenCalled();
    await type(page, '#summary-input', '建议先办证');
    await tap(page, '#close-confirm');
    await settle(page, (p) => find(p, '#summary'), 'closed');
    expect(fake.calls('POST', `${ONE}/close`)[0].data).toEqual({ summary: '建议先办证' });
    expect(find(page, '#rate')).toBeFalsy();
  });

  test('reassigned meanwhile (INVALID_TRANSITION): said so, text kept', async () => {
    fake.route('GET', ONE, { statusCode: 200, data: MENTOR_VIEW });
    fake.route('POST', `${ONE}/messages`, { statusCode: 409, data: envelope('INVALID_TRANSITION', 'x') });
    const page = open('pages/consultations/detail', { id: '8' });
    await settle(page, (p) => find(p, '#reply'), 'thread');
    await type(page, '#reply', '回复');
    await tap(page, '#send-btn');
    await settle(page, (p) => find(p, '#send-error'), 'error');
    expect(text(page, '#send-error')).toBe('这个问诊已经转给别的导师了，不能再回复。');
    expect(page.instance.data.reply).toBe('回复');
  });
});
