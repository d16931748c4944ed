/**
 * 我的诉求 (pages/requests/requests), 提交诉求 (pages/request-new/request-new)
 * and 诉求详情 (pages/request/request?id=N, what every inbox message about a
 * request opens): the list with plain-word statuses (超期 marked), the form
 * (category, text, photos, the township when the server asks for it),
 * CONTENT_REJECTED keeping the text, the timeline, rating once and
 * reopening once after a confirmation.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, simulate, confirmDialog,
} = require('./helpers/page');
const { resetKeys } = require('../lib/upload-list');
const { messageUrl } = require('../lib/application-view');

const simulateWx = global.wx;
let fake;
let opened = [];

beforeEach(() => {
  resetKeys();
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
  fake.route('GET', '/api/v1/regions', {
    statusCode: 200,
    data: { items: [{ code: '990101', name: '官埠桥镇' }, { code: '990102', name: '贺胜桥镇' }] },
  });
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

const LIST = '/api/v1/requests';
const ONE = '/api/v1/requests/8';

function request(over) {
  return Object.assign({
    id: 8,
    category: 'land_labor',
    category_name: '用地用工',
    text: '厂房扩建需要用地指标，不知道找哪个部门。',
    images: [{ id: 'up_q', url: 'https://files.test/q.jpg' }],
    township_code: '990101',
    township: '官埠桥镇',
    status: 'closed',
    status_name: '已办结',
    department: '区人社局',
    due_at: '2026-12-11T15:59:59.999Z',
    overdue: false,
    reply: '已联系区自然资源局，下周一现场踏勘。',
    rating: null,
    rating_name: '',
    reopened: false,
    can_rate: true,
    can_reopen: true,
    created_at: '2026-12-03T02:00:00Z',
    events: [
      { id: 1, action: 'submit', action_name: '提交诉求', actor_type: 'user', department: '', note: '', created_at: '2026-12-03T02:00:00Z' },
      { id: 2, action: 'assign', action_name: '交办部门', actor_type: 'staff', department: '区人社局', due_at: '2026-12-11T15:59:59.999Z', note: '', created_at: '2026-12-03T03:00:00Z' },
      { id: 3, action: 'reply', action_name: '部门答复', actor_type: 'staff', department: '区人社局', note: '已联系区自然资源局，下周一现场踏勘。', created_at: '2026-12-04T03:00:00Z' },
      { id: 4, action: 'close', action_name: '办结', actor_type: 'staff', department: '区人社局', note: '', created_at: '2026-12-04T04:00:00Z' },
    ],
  }, over);
}

describe('pages/requests/requests: 我的诉求', () => {
  test('cards with category, status and department; overdue said plainly; tap opens; 提交诉求', async () => {
    fake.route('GET', LIST, {
      statusCode: 200,
      data: {
        items: [request({ events: [] }), request({
          id: 9, status: 'assigned', overdue: true, can_rate: false, can_reopen: false, events: [],
        }), request({
          id: 10, status: 'submitted', department: '', can_rate: false, can_reopen: false, events: [],
        })],
      },
    });
    const page = open('pages/requests/requests');
    await settle(page, (p) => find(p, '#request-8'), 'list');
    expect(text(page, '#request-8-category')).toBe('用地用工');
    expect(text(page, '#request-8-status')).toBe('已办结，待评价');
    expect(text(page, '#request-9-status')).toBe('已超期，正在催办');
    expect(text(page, '#request-8-department')).toBe('承办：区人社局');
    expect(text(page, '#request-10-department')).toBe('等待区里交办部门');
    await tap(page, '#request-9');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/request/request?id=9' }));
    await tap(page, '#new-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/request-new/request-new' }));
  });

  test('none yet; an error with 重新加载', async () => {
    fake.route('GET', LIST, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: { items: [] } });
    const page = open('pages/requests/requests');
    await settle(page, (p) => find(p, '#state >>> #state-error'), 'error');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#state >>> #state-empty'), 'empty');
    expect(text(page, '#state >>> #state-empty')).toContain('还没有提交过诉求');
  });
});

describe('pages/request-new/request-new: 提交诉求', () => {
  test('category and text needed; sent with a photo; opens the new request', async () => {
    fake.route('UPLOAD', '/api/v1/uploads', { statusCode: 201, data: { id: 'up_a', url: '/files/up_a', kind: 'other', content_type: 'image/jpeg' } });
    fake.route('POST', LIST, { statusCode: 201, data: request({ id: 12, status: 'submitted', events: [] }) });
    const page = open('pages/request-new/request-new');
    await settle(page, (p) => find(p, '#category-finance'), 'the form');
    await tap(page, '#submit-btn');
    expect(text(page, '#form-error')).toBe('请选诉求类别');
    await tap(page, '#category-finance');
    await tap(page, '#submit-btn');
    expect(text(page, '#form-error')).toBe('请写上您遇到的问题');
    await type(page, '#text', ' 贷款审批太慢 ');
    await tap(page, '#add-photo');
    await settle(page, (p) => text(p, '#file-status-u1') === '已上传', 'uploaded');
    await tap(page, '#submit-btn');
    await settle(page, () => fake.wx.redirectTo.mock.calls.length, 'opened');
    expect(fake.calls('POST', LIST)[0].data).toEqual({ category: 'finance', text: '贷款审批太慢', images: ['up_a'] });
    expect(fake.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/request/request?id=12' }));
  });

  test('no record: the server asks for the township; the chosen one is sent', async () => {
    fake.route('POST', LIST,
      { statusCode: 422, data: { error: { code: 'VALIDATION_FAILED', message: '请选择诉求所在的乡镇（街道）', field: 'township_code' } } },
      { statusCode: 201, data: request({ id: 13, status: 'submitted', events: [] }) });
    const page = open('pages/request-new/request-new');
    await settle(page, (p) => p.instance.data.townships.length === 2, 'townships');
    expect(find(page, '#townships')).toBeFalsy();
    await tap(page, '#category-infrastructure');
    await type(page, '#text', '村口路灯坏了');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#townships'), 'the township picker');
    expect(text(page, '#form-error')).toBe('请选诉求所在的乡镇（街道）');
    expect(fake.calls('POST', LIST)[0].data).toEqual({ category: 'infrastructure', text: '村口路灯坏了' });
    await tap(page, '#township-990102');
    await tap(page, '#submit-btn');
    await settle(page, () => fake.wx.redirectTo.mock.calls.length, 'opened');
    expect(fake.calls('POST', LIST)[1].data).toEqual({ category: 'infrastructure', text: '村口路灯坏了', township_code: '990102' });
  });

  test('CONTENT_REJECTED: said so, the text kept', async () => {
    fake.route('POST', LIST, { statusCode: 422, data: envelope('CONTENT_REJECTED', 'x') });
    const page = open('pages/request-new/request-new');
    await settle(page, (p) => find(p, '#category-other'), 'the form');
    await tap(page, '#category-other');
    await type(page, '#text', '一段不能发的话');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'error');
    expect(text(page, '#submit-error')).toContain('没有提交。您写的字还在');
    expect(page.instance.data.text).toBe('一段不能发的话');
    expect(fake.wx.redirectTo).not.toHaveBeenCalled();
  });
});

describe('pages/request-new/request-new: the notice consent in the 提交诉求 tap', () => {
  const SETTINGS = '/api/v1/me/notification-settings';
  const NOTICE = 'TMPL_NOTICE';

  test('asked inside the tap, reported, then the request opens', async () => {
    fake.route('GET', SETTINGS, {
      statusCode: 200,
      data: {
        pushes_enabled: true, notice_template_id: NOTICE, notice_consent: 'none', notice_remaining: 0, quiet_hours: { from: '22:00', to: '08:00' }, weekly_cap: 3,
      },
    });
    fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { [NOTICE]: 1 } } });
    fake.route('POST', LIST, { statusCode: 201, data: request({ id: 14, status: 'submitted', events: [] }) });
    const page = open('pages/request-new/request-new');
    await settle(page, (p) => find(p, '#notify-text'), 'the consent line');
    await tap(page, '#category-permit');
    await type(page, '#text', '营业执照变更');
    await tap(page, '#submit-btn');
    await settle(page, () => fake.wx.redirectTo.mock.calls.length, 'opened');
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(fake.wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([NOTICE]);
    expect(fake.calls('POST', '/api/v1/me/subscriptions').map((c) => c.data)).toEqual([{ accepted: [NOTICE] }]);
    expect(fake.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/request/request?id=14' }));
  });
});

describe('pages/request/request: 诉求详情', () => {
  test('the request, its reply and timeline; rated once with a tap', async () => {
    fake.route('GET', ONE, { statusCode: 200, data: request() });
    fake.route('POST', `${ONE}/rate`, {
      statusCode: 200, data: request({ rating: 'satisfied', rating_name: '满意', can_rate: false }),
    });
    const page = open('pages/request/request', { id: '8' });
    await settle(page, (p) => find(p, '#status'), 'the request');
    expect(text(page, '#status')).toBe('已办结');
    expect(text(page, '#department')).toBe('承办部门：区人社局');
    expect(text(page, '#due')).toBe('办理期限：2026年12月11日');
    expect(text(page, '#reply')).toContain('下周一现场踏勘');
    expect(text(page, '#step-1')).toContain('交办部门');
    expect(text(page, '#step-1')).toContain('区人社局');
    expect(text(page, '#step-0')).toContain('您');
    await tap(page, '#rate-satisfied');
    await settle(page, (p) => find(p, '#rated'), 'rated');
    expect(fake.calls('POST', `${ONE}/rate`)[0].data).toEqual({ rating: 'satisfied' });
    expect(text(page, '#rated')).toBe('您的评价：满意');
    expect(find(page, '#rate')).toBeFalsy();
  });

  test('reopen: a reason needed, confirmed, sent once; then no more reopening', async () => {
    fake.route('GET', ONE, { statusCode: 200, data: request() });
    fake.route('POST', `${ONE}/reopen`, {
      statusCode: 200,
      data: request({
        status: 'assigned', can_rate: false, can_reopen: false, reopened: true, reply: '',
      }),
    });
    const page = open('pages/request/request', { id: '8' });
    await settle(page, (p) => find(p, '#reopen-btn'), 'the reopen box');
    await tap(page, '#reopen-btn');
    expect(text(page, '#act-error')).toBe('请写上为什么要重新办理');
    await type(page, '#reason', '指标还没批下来');
    await tap(page, '#reopen-btn');
    expect(page.instance.data.reopenVisible).toBe(true);
    await confirmDialog(page, '#confirm-reopen');
    await settle(page, (p) => find(p, '#reopened'), 'reopened');
    expect(fake.calls('POST', `${ONE}/reopen`)[0].data).toEqual({ reason: '指标还没批下来' });
    expect(text(page, '#status')).toBe('部门办理中');
    expect(find(page, '#reopen')).toBeFalsy();
  });

  test('ALREADY_REOPENED is said plainly; not the user\'s: not found', async () => {
    fake.route('GET', ONE, { statusCode: 200, data: request() });
    fake.route('POST', `${ONE}/reopen`, { statusCode: 409, data: envelope('ALREADY_REOPENED', 'x') });
    const page = open('pages/request/request', { id: '8' });
    await settle(page, (p) => find(p, '#reopen-btn'), 'the reopen box');
    await type(page, '#reason', '再办一次');
    await tap(page, '#reopen-btn');
    await confirmDialog(page, '#confirm-reopen');
    await settle(page, (p) => find(p, '#act-error'), 'error');
    expect(text(page, '#act-error')).toBe('每条诉求只能重新办理一次，您已经用过了。');

    fake.route('GET', '/api/v1/requests/99', { statusCode: 404, data: envelope('NOT_FOUND', 'x') });
    const other = open('pages/request/request', { id: '99' });
    await settle(other, (p) => find(p, '#state >>> #state-empty'), 'not found');
    expect(text(other, '#state >>> #state-empty')).toBe('没有找到这条诉求，可能不是您的。');
  });
});

describe('inbox messages about a request', () => {
  test('open the request\'s page', () => {
    expect(messageUrl({ kind: 'request', page: 'pages/request/request?id=8' })).toBe('/pages/request/request?id=8');
  });
});
