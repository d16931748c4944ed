/**
 * 政策详情 (pages/policy/policy?id=): conditions answered for me, materials,
 * steps, the text, tap to call, 去申请, 收藏, share; 404 = withdrawn. The
 * path is the one notices carry in 消息.
 */
const fs = require('fs');
const path = require('path');
const { createFakeWx: createStrictWx, RULES } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap,
} = require('./helpers/page');
const { messageUrl } = require('../lib/application-view');
const view = require('../lib/library-view');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createStrictWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

function policy(over) {
  return Object.assign({
    id: 5,
    version: 2,
    published_at: '2026-11-01T02:00:00Z',
    title: '一次性创业补贴',
    doc_no: '咸人社发〔2026〕3号',
    issuer: '咸安区人社局',
    category: 'startup_subsidy',
    targets: ['returnee'],
    summary: '返乡创办经营主体满 6 个月的，补贴 5000 元。',
    body_html: '<p>第一条 <strong>补贴标准</strong>为 5000 元。</p>',
    conditions_text: '',
    benefits: '一次性补贴 5000 元',
    materials: ['身份证', '营业执照'],
    steps: ['在小程序里申请', '人社局审核', '补贴发到银行卡'],
    contact_dept: '区就业局创业科',
    contact_phone: '0715-8123456',
    effective_on: '2026-01-01',
    expires_on: '2099-12-31',
    source_url: 'https://www.xianan.gov.cn/zc/5',
    application_code: 'startup_subsidy',
    conditions: [
      { text: '已返乡', state: 'met' },
      { text: '经营主体登记至今（月）不超过 12', state: 'unmet' },
      { text: '有经营主体', state: 'unknown' },
    ],
    fits: 'unknown',
    favorite: false,
  }, over);
}

const ONE = '/api/v1/policy-library/5';

async function open(query) {
  const page = mountPage('policy', query || { id: '5' });
  await settle(page, (p) => !find(p, '#state >>> #state-loading'), 'loaded');
  return page;
}

describe('pages/policy', () => {
  test('the path notices carry in 消息 exists and opens this page', () => {
    const app = JSON.parse(fs.readFileSync(path.join(__dirname, '../app.json'), 'utf8'));
    expect(app.pages).toContain('pages/policy/policy');
    expect(messageUrl({ kind: 'notice', page: 'pages/policy/policy?id=5' })).toBe('/pages/policy/policy?id=5');
    expect(messageUrl({ kind: 'notice', page: '/pages/policy/policy?id=7' })).toBe('/pages/policy/policy?id=7');
  });

  test('title, 文号 and issuer, each condition for me, materials, steps, text, contact', async () => {
    fake.route('GET', ONE, { statusCode: 200, data: policy() });
    const page = await open();

    expect(text(page, '#title')).toBe('一次性创业补贴');
    expect(text(page, '#doc')).toBe('咸安区人社局　咸人社发〔2026〕3号');
    expect(text(page, '#expiry')).toBe('有效期至 2099年12月31日');
    expect(text(page, '#effective')).toBe('2026年1月1日 起施行');
    expect(text(page, '#summary')).toContain('补贴 5000 元');
    expect(text(page, '#condition-0-state')).toBe('✓ 符合');
    expect(text(page, '#condition-1-state')).toBe('✗ 不符合');
    expect(text(page, '#condition-1-text')).toBe('经营主体登记至今（月）不超过 12');
    expect(text(page, '#condition-2-state')).toBe('? 待补充信息');
    expect(text(page, '#fits')).toBe('有些条件还要您补充信息才能判断。');
    expect(text(page, '#benefits')).toContain('一次性补贴 5000 元');
    expect(text(page, '#material-1')).toBe('2. 营业执照');
    expect(text(page, '#steps')).toContain('人社局审核');
    expect(find(page, '#body')).toBeTruthy();
    expect(text(page, '#contact-dept')).toBe('区就业局创业科');
    expect(text(page, '#call')).toBe('打电话：0715-8123456');

    await tap(page, '#go-register');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/register/register' }));
  });

  test('every condition met: no 待补充信息 link; no rule: the written conditions', async () => {
    fake.route('GET', ONE, { statusCode: 200, data: policy({ conditions: [{ text: '已返乡', state: 'met' }], fits: 'yes' }) });
    const page = await open();
    expect(find(page, '#go-register')).toBeFalsy();
    expect(text(page, '#fits')).toBe('按您登记的信息，您符合这项政策的条件。');

    fake.route('GET', '/api/v1/policy-library/6', {
      statusCode: 200, data: policy({ id: 6, conditions: [], fits: '', conditions_text: '在咸安区登记注册的返乡人员' }),
    });
    const other = await open({ id: '6' });
    expect(find(other, '#fits')).toBeFalsy();
    expect(text(other, '#conditions-text')).toBe('在咸安区登记注册的返乡人员');
  });

  test('tap to call dials the digits (the fake refuses anything else)', async () => {
    fake.route('GET', ONE, { statusCode: 200, data: policy({ contact_phone: '0715 812 3456' }) });
    const page = await open();
    await tap(page, '#call');
    expect(fake.wx.makePhoneCall).toHaveBeenCalledWith(expect.objectContaining({ phoneNumber: '07158123456' }));

    // The rule itself: a number with words in it dials nothing.
    fake.wx.makePhoneCall({ phoneNumber: '0715-8123456（工作日）' });
    expect(fake.takeViolations().map((v) => v.rule)).toEqual([RULES.PHONE_NUMBER]);
    expect(view.dialable('0715-8123456（工作日）')).toBe('');
  });

  test('政策文件: tapping one downloads and opens the PDF; an old link is renewed first', async () => {
    const doc = (url, expires) => ({
      id: 'q3Zx0Jd8TgKf1mWc2bYh5A', kind: 'policy_document', content_type: 'application/pdf', size: 330000, sha256: 'ab', name: '实施办法.pdf',
      created_at: '2026-11-01T02:00:00Z', attached: true, url, url_expires_at: expires,
    });
    const later = new Date(Date.now() + 10 * 60 * 1000).toISOString();
    fake.route('GET', ONE, { statusCode: 200, data: policy({ documents: [doc('/api/v1/files/q3Zx0Jd8TgKf1mWc2bYh5A?exp=1&sig=a', later)] }) });
    const page = await open();
    expect(find(page, '#document-0')).toBeTruthy();
    await tap(page, '#document-0');
    await settle(page, () => fake.wx.openDocument.mock.calls.length === 1, 'opened');
    expect(fake.wx.downloadFile.mock.calls[0][0].url).toContain('/api/v1/files/q3Zx0Jd8TgKf1mWc2bYh5A?exp=1&sig=a');
    expect(fake.wx.openDocument).toHaveBeenCalledWith(expect.objectContaining({ fileType: 'pdf' }));

    // A link past its time: the policy is read again for a fresh one before the download.
    const past = new Date(Date.now() - 60 * 1000).toISOString();
    fake.route('GET', ONE, { statusCode: 200, data: policy({ documents: [doc('/api/v1/files/q3Zx0Jd8TgKf1mWc2bYh5A?exp=1&sig=old', past)] }) });
    const stale = await open();
    fake.route('GET', ONE, { statusCode: 200, data: policy({ documents: [doc('/api/v1/files/q3Zx0Jd8TgKf1mWc2bYh5A?exp=2&sig=new', later)] }) });
    await tap(stale, '#document-0');
    await settle(stale, () => fake.wx.openDocument.mock.calls.length === 2, 'opened again');
    expect(fake.wx.downloadFile.mock.calls[1][0].url).toContain('sig=new');
  });

  test('去申请 opens the application form of its support type; none without one', async () => {
    fake.route('GET', ONE, { statusCode: 200, data: policy() });
    const page = await open();
    await tap(page, '#apply');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/apply/apply?policy=startup_subsidy' }));

    fake.route('GET', '/api/v1/policy-library/6', { statusCode: 200, data: policy({ id: 6, application_code: null }) });
    const other = await open({ id: '6' });
    expect(find(other, '#apply')).toBeFalsy();
  });

  test('收藏 and 取消收藏', async () => {
    fake.route('GET', ONE, { statusCode: 200, data: policy() });
    fake.route('POST', `${ONE}/favorite`, { statusCode: 204, data: '' });
    fake.route('DELETE', `${ONE}/favorite`, { statusCode: 204, data: '' });
    const page = await open();
    expect(text(page, '#favorite')).toBe('☆ 收藏');

    await tap(page, '#favorite');
    await settle(page, (p) => text(p, '#favorite').startsWith('★'), 'saved');
    expect(fake.calls('POST', `${ONE}/favorite`)).toHaveLength(1);
    expect(text(page, '#favorite')).toBe('★ 已收藏（点一下取消）');

    await tap(page, '#favorite');
    await settle(page, (p) => text(p, '#favorite') === '☆ 收藏', 'removed');
    expect(fake.calls('DELETE', `${ONE}/favorite`)).toHaveLength(1);
  });

  test('share to a chat: the title and this page with the id', async () => {
    fake.route('GET', ONE, { statusCode: 200, data: policy() });
    const page = await open();
    expect(page.instance.onShareAppMessage()).toEqual({ title: '一次性创业补贴', path: '/pages/policy/policy?id=5' });
    expect(find(page, '#share')).toBeTruthy();
  });

  test('404: the policy was withdrawn, with the way to the others', async () => {
    fake.route('GET', ONE, { statusCode: 404, data: { error: { code: 'NOT_FOUND', message: '没有这项政策' } } });
    const page = await open();
    expect(text(page, '#state')).toContain('这项政策已经撤下或不再执行了');
    await tap(page, '#other-policies');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/library/library' }));
  });

  test('a network failure shows 重新加载', async () => {
    fake.route('GET', ONE, { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: policy() });
    const page = await open();
    expect(find(page, '#state >>> #state-error')).toBeTruthy();
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#title'), 'reloaded');
  });
});
