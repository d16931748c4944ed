/**
 * 评选 (pages/selections/selections) and 我要自荐
 * (pages/selections/nominate?id=) rendered with miniprogram-simulate: the
 * list's states (taking nominations with 我要自荐, published with its
 * winners, empty, error with 重试), the statement counted, a photo
 * uploaded and removed, the body sent, each error code in plain words,
 * NOT_REGISTERED's way to 返乡登记.
 */
const fs = require('fs');
const path = require('path');
const { createFakeWx, envelope, RULES } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, confirmDialog, simulate,
} = require('./helpers/page');
const { resetKeys } = require('../lib/upload-list');

const simulateWx = global.wx;
let fake;
let opened = [];

beforeEach(() => {
  resetKeys();
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
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

const LIST = '/api/v1/selections';
const NOMINATE = '/api/v1/selections/3/nominations';

function selection(over) {
  return Object.assign({
    id: 3,
    year: 2026,
    kind: 'outstanding_entrepreneur',
    kind_name: '优秀返乡创业者',
    title: '2026年度咸安区优秀返乡创业者评选',
    description: '评选带动就业、诚信经营的返乡创业者10名。',
    department: '区人社局',
    quota: 10,
    opens_on: '2026-12-01',
    closes_on: '2026-12-31',
    status: 'open',
    selected: 0,
    nominations_open: true,
    published_at: null,
    winners: [],
  }, over);
}

const LONG = '二〇一八年回乡创办茶叶合作社，带动全村一百二十户茶农增收，'.repeat(8);

const PUBLISHED = selection({
  id: 2,
  year: 2025,
  kind: 'outstanding_alumni',
  kind_name: '十大杰出校友',
  title: '2025年度十大杰出校友',
  status: 'published',
  nominations_open: false,
  published_at: '2026-01-10T02:00:00Z',
  winners: [
    { name: '王芳', township: '贺胜桥镇', statement: LONG },
    { name: '李强', township: '汀泗桥镇', statement: '捐资助学' },
  ],
});

async function openList() {
  const page = mountPage('selections');
  opened.push(page);
  await settle(page, (p) => !find(p, '#state >>> #state-loading'), 'list loaded');
  return page;
}

async function openNominate(query) {
  const page = mountPage('pages/selections/nominate', query || { id: '3' });
  opened.push(page);
  await settle(page, (p) => !find(p, '#state >>> #state-loading'), 'form loaded');
  return page;
}

async function uploadPhoto(page, key) {
  await tap(page, '#add-photo');
  await settle(page, (p) => text(p, `#file-status-${key}`) === '已上传', `${key} uploaded`);
}

describe('pages/selections: the list', () => {
  test('registered in app.json; 办事 lists 评选 and opens it', async () => {
    const app = JSON.parse(fs.readFileSync(path.join(__dirname, '../app.json'), 'utf8'));
    expect(app.pages).toEqual(expect.arrayContaining(['pages/selections/selections', 'pages/selections/nominate']));
    const titles = ['selections', 'nominate'].map((n) => JSON.parse(fs.readFileSync(
      path.join(__dirname, `../pages/selections/${n}.json`), 'utf8',
    )).navigationBarTitleText);
    expect(titles).toEqual(['评选', '我要自荐']);

    const services = mountPage('services');
    opened.push(services);
    await settle(services, (p) => find(p, '#go-selections'), 'entry');
    expect(text(services, '#go-selections')).toContain('评选');
    await tap(services, '#go-selections');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/selections/selections' }));
  });

  test('taking nominations: the window and 我要自荐, which opens the form', async () => {
    fake.route('GET', LIST, { statusCode: 200, data: { items: [selection()] } });
    const page = await openList();
    expect(text(page, '#selection-3-title')).toBe('2026年度咸安区优秀返乡创业者评选');
    expect(text(page, '#selection-3-kind')).toBe('优秀返乡创业者');
    expect(text(page, '#selection-3-year')).toBe('2026年');
    expect(text(page, '#selection-3-window')).toBe('推荐时间 2026-12-01 至 2026-12-31');
    expect(text(page, '#nominate-3')).toBe('我要自荐');
    expect(find(page, '#selection-3-winners')).toBeFalsy();

    await tap(page, '#nominate-3');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/selections/nominate?id=3' }));
  });

  test('published: 入选名单 with name, township and the statement folded until tapped', async () => {
    fake.route('GET', LIST, { statusCode: 200, data: { items: [selection(), PUBLISHED] } });
    const page = await openList();
    expect(find(page, '#nominate-2')).toBeFalsy();
    expect(find(page, '#selection-2-window')).toBeFalsy();
    expect(text(page, '#selection-2-kind')).toBe('十大杰出校友');
    expect(text(page, '#selection-2-winners')).toContain('入选名单');
    expect(text(page, '#winner-2-0-name')).toBe('王芳');
    expect(text(page, '#winner-2-0-township')).toBe('贺胜桥镇');
    expect(text(page, '#winner-2-1-statement')).toBe('捐资助学');

    const statement = () => find(page, '#winner-2-0-statement').dom;
    expect(statement().className).toContain('folded');
    expect(text(page, '#winner-2-0-toggle')).toBe('展开全部');
    await tap(page, '#winner-2-0-toggle');
    await settle(page, () => !statement().className.includes('folded'), 'unfolded');
    expect(text(page, '#winner-2-0-toggle')).toBe('收起');
  });

  test('nothing yet: 暂时没有评选', async () => {
    fake.route('GET', LIST, { statusCode: 200, data: { items: [] } });
    const page = await openList();
    expect(text(page, '#state >>> #state-empty')).toBe('暂时没有评选');
  });

  test('a failed load offers 重试, which loads again; pull-down refreshes', async () => {
    fake.route('GET', LIST, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: { items: [selection()] } });
    const page = await openList();
    expect(find(page, '#state >>> #state-error')).toBeTruthy();
    expect(text(page, '#state >>> #state-retry')).toBe('重试');
    expect(fake.wx.showToast).not.toHaveBeenCalled();

    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#nominate-3'), 'loaded again');

    fake.route('GET', LIST, { statusCode: 200, data: { items: [PUBLISHED] } });
    await page.instance.onPullDownRefresh();
    await settle(page, (p) => find(p, '#winner-2-0'), 'refreshed');
    expect(find(page, '#nominate-3')).toBeFalsy();
    expect(fake.wx.stopPullDownRefresh).toHaveBeenCalled();
  });
});

describe('pages/selections/nominate: 我要自荐', () => {
  beforeEach(() => {
    fake.route('GET', LIST, { statusCode: 200, data: { items: [selection(), PUBLISHED] } });
  });

  test('title and description; the statement counted as typed; a photo uploaded; the right body; 已提交，等待评审', async () => {
    fake.route('UPLOAD', '/api/v1/uploads',
      { statusCode: 201, data: { id: 'up_a', url: '/files/up_a', kind: 'other', content_type: 'image/jpeg' } },
      { statusCode: 201, data: { id: 'up_b', url: '/files/up_b', kind: 'other', content_type: 'application/pdf', name: '证书.pdf' } });
    fake.route('POST', NOMINATE, { statusCode: 201, data: { id: 9, selection_id: 3, status: 'pending' } });
    const page = await openNominate();
    expect(text(page, '#title')).toBe('2026年度咸安区优秀返乡创业者评选');
    expect(text(page, '#description')).toBe('评选带动就业、诚信经营的返乡创业者10名。');
    expect(text(page, '#count')).toBe('0/2000');

    await type(page, '#statement', '  回乡办茶厂🍵  ');
    await settle(page, (p) => text(p, '#count') === '10/2000', 'counted (an emoji is one)');

    await uploadPhoto(page, 'u1');
    const photo = fake.wx.chooseMedia.mock.calls[0][0];
    expect(photo).toMatchObject({ mediaType: ['image'], sourceType: ['camera', 'album'], count: 9 });
    expect(fake.uploads()[0].formData).toEqual({ kind: 'other' });
    await tap(page, '#add-file');
    await settle(page, (p) => text(p, '#file-status-u2') === '已上传', 'PDF uploaded');
    expect(text(page, '#file-u2')).toContain('PDF');

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.calls('POST', NOMINATE)[0].data).toEqual({ statement: '回乡办茶厂🍵', materials: ['up_a', 'up_b'] });
    expect(text(page, '#done-title')).toBe('已提交，等待评审');
    await tap(page, '#back-btn');
    expect(fake.wx.redirectTo.mock.calls.length + fake.wx.navigateBack.mock.calls.length).toBe(1);
  });

  test('a removed file is not sent; an empty or too long statement is not sent', async () => {
    fake.route('UPLOAD', '/api/v1/uploads',
      { statusCode: 201, data: { id: 'up_a', url: '/files/up_a', kind: 'other', content_type: 'image/jpeg' } },
      { statusCode: 201, data: { id: 'up_b', url: '/files/up_b', kind: 'other', content_type: 'image/jpeg' } });
    fake.route('POST', NOMINATE, { statusCode: 201, data: { id: 9 } });
    const page = await openNominate();
    await uploadPhoto(page, 'u1');
    await uploadPhoto(page, 'u2');
    await tap(page, '#remove-u1');
    await settle(page, (p) => p.instance.data.removeVisible, 'asked');
    await confirmDialog(page, '#confirm-remove');
    await settle(page, (p) => !find(p, '#file-u1'), 'removed');

    await tap(page, '#submit-btn');
    expect(text(page, '#err-statement')).toBe('请写上事迹介绍');
    await type(page, '#statement', '茶'.repeat(2001));
    await settle(page, (p) => text(p, '#count') === '2001/2000', 'over');
    expect(find(page, '#count').dom.className).toContain('counter-over');
    await tap(page, '#submit-btn');
    expect(text(page, '#err-statement')).toBe('事迹介绍最多2000字，请删减一些');
    expect(fake.calls('POST', NOMINATE)).toEqual([]);

    await type(page, '#statement', '茶'.repeat(2000));
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.calls('POST', NOMINATE)[0].data).toEqual({ statement: '茶'.repeat(2000), materials: ['up_b'] });
  });

  test('a failed upload blocks 提交 until retried', async () => {
    fake.route('UPLOAD', '/api/v1/uploads',
      { statusCode: 500, data: 'oops' },
      { statusCode: 201, data: { id: 'up_ok', url: '/files/up_ok', kind: 'other', content_type: 'image/jpeg' } });
    fake.route('POST', NOMINATE, { statusCode: 201, data: { id: 9 } });
    const page = await openNominate();
    await type(page, '#statement', '回乡办茶厂');
    await tap(page, '#add-photo');
    await settle(page, (p) => find(p, '#retry-u1'), 'retry button');
    await tap(page, '#submit-btn');
    expect(text(page, '#form-hint')).toBe('有材料没有传上去，请点“重试”或删掉后重新上传');
    await tap(page, '#retry-u1');
    await settle(page, (p) => text(p, '#file-status-u1') === '已上传', 'retried');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.calls('POST', NOMINATE)[0].data.materials).toEqual(['up_ok']);
  });

  test.each([
    [409, 'DUPLICATE', '您已经自荐过了，不用再提交。评审结果会在公布后显示在“评选”里'],
    [409, 'NOMINATIONS_CLOSED', '推荐时间已过，不能再自荐了'],
    [422, 'NOT_REGISTERED', '要先填写返乡登记（或校友登记），才能自荐'],
    [422, 'VALIDATION_FAILED', '请写上事迹介绍，最多2000字'],
    [422, 'ATTACHMENT_INVALID', '有材料已失效，请删掉后重新上传'],
  ])('%i %s: %s', async (statusCode, code, message) => {
    fake.route('POST', NOMINATE, { statusCode, data: envelope(code, 'server words') });
    const page = await openNominate();
    await type(page, '#statement', '回乡办茶厂');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'error shown');
    expect(text(page, '#submit-error')).toBe(message);
    expect(find(page, '#done')).toBeFalsy();
    expect(fake.wx.showToast).not.toHaveBeenCalled();
    expect(Boolean(find(page, '#go-register'))).toBe(code === 'NOT_REGISTERED');
  });

  test('NOT_REGISTERED: 去返乡登记 opens the 返乡登记 page', async () => {
    fake.route('POST', NOMINATE, { statusCode: 422, data: envelope('NOT_REGISTERED', 'x') });
    const page = await openNominate();
    await type(page, '#statement', '回乡办茶厂');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#go-register'), 'button');
    expect(text(page, '#go-register')).toBe('去返乡登记');
    await tap(page, '#go-register');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/register/register' }));
  });

  test('no network: said so, nothing lost', async () => {
    fake.route('POST', NOMINATE, { fail: { errMsg: 'request:fail timeout' } });
    const page = await openNominate();
    await type(page, '#statement', '回乡办茶厂');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'error shown');
    expect(text(page, '#submit-error')).toContain('没有连上网络');
    expect(page.instance.data.statement).toBe('回乡办茶厂');
  });

  test('not taking nominations, unknown, or a failed load', async () => {
    const closed = await openNominate({ id: '2' });
    expect(text(closed, '#state >>> #state-empty')).toBe('这个评选现在不接受自荐（不在推荐时间内）。');
    const unknown = await openNominate({ id: '99' });
    expect(text(unknown, '#state >>> #state-empty')).toBe('没有找到这个评选，可能已经撤下了。');

    fake.route('GET', LIST, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: { items: [selection()] } });
    const failed = await openNominate();
    expect(text(failed, '#state >>> #state-retry')).toBe('重试');
    await tap(failed, '#state >>> #state-retry');
    await settle(failed, (p) => find(p, '#title'), 'loaded again');
  });

  test('picking a photo before the privacy guide is accepted goes through the page\'s popup', async () => {
    fake.privacyAuthorized = false;
    const page = await openNominate();
    await tap(page, '#add-photo');
    await settle(page, () => fake.privacyAnswers.length || fake.wx.chooseMedia.mock.calls.length, 'asked');
    expect(fake.violations.filter((v) => v.rule === RULES.PRIVACY_POPUP_MISSING)).toEqual([]);
  });
});
