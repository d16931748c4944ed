/**
 * 我的档案 (pages/record): the record in readable Chinese, confirm, edit,
 * and the not-registered state.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap,
} = require('./helpers/page');
const { serveReturnee, RECORD, ID_MASKED } = require('./helpers/backend');
const { MESSAGES } = require('../api/request');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

async function open() {
  const page = mountPage('record');
  await settle(page, (p) => p.instance.data.status !== 'loading', 'loaded');
  return page;
}

/** { label: value } of every row shown. */
function rows(page) {
  const out = {};
  page.instance.data.sections.forEach((s) => s.rows.forEach((r) => {
    out[r.label] = r.value;
  }));
  return out;
}

describe('pages/record', () => {
  test('shows the record with labels from /options, masked ID and phone, Beijing time', async () => {
    serveReturnee(fake, { record: RECORD });
    const page = await open();

    const html = page.dom.textContent;
    expect(html).toContain(ID_MASKED);
    expect(html).toContain('138****5678');
    expect(html).not.toContain('421202199001011232');
    expect(text(page, '#confirmed-at')).toBe('上次确认时间：2026年11月28日 14:00');

    expect(rows(page)).toMatchObject({
      姓名: '张三',
      性别: '男',
      出生日期: '1990年1月1日',
      '乡镇（街道）': '官埠桥镇',
      '村（社区）': '桥头村',
      现在的情况: '已经返乡',
      返乡时间: '2025年2月1日',
      务工地: '广东省 东莞市',
      在外务工年数: '10年',
      文化程度: '高中/中专',
      技能: '电工',
      创业打算: '已经创业',
      想做哪方面: '茶叶',
      需要的帮助: '资金、培训',
      想法补充说明: '未填写',
      类型: '个体工商户',
      带动就业: '3人',
    });
    // Plain words, and every row is a TDesign cell showing label and value.
    expect(html).toContain('您开的店或公司');
    expect(html).not.toContain('经营主体');
    expect(text(page, '#section-0')).toContain('基本信息');
    expect(text(page, '#section-0')).toContain('姓名');
    expect(text(page, '#section-0')).toContain('张三');
    expect(html).not.toContain('electrician');
    expect(find(page, '#review-note')).toBeFalsy();
  });

  test('not registered yet (404): a friendly call to register', async () => {
    serveReturnee(fake);
    const page = await open();

    expect(text(page, '#state')).toContain('您还没有登记返乡信息');
    expect(text(page, '#state')).not.toContain('信息无误，确认');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
    await tap(page, '#register-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({
      url: '/pages/register/register?from=record',
    }));
  });

  test('信息无误，确认 posts the confirmation and shows the new date', async () => {
    serveReturnee(fake, { record: RECORD });
    fake.route('POST', '/api/v1/me/returnee/confirm', {
      statusCode: 200,
      data: Object.assign({}, RECORD, { confirmed_at: '2026-12-01T01:05:00Z' }),
    });
    const page = await open();

    expect(text(page, '#confirm-btn')).toBe('信息无误，确认');
    await tap(page, '#confirm-btn');
    await settle(page, (p) => text(p, '#confirmed-at') === '上次确认时间：2026年12月1日 09:05', 'new date');

    expect(fake.calls('POST', '/api/v1/me/returnee/confirm')).toHaveLength(1);
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已确认，谢谢您' }));
  });

  test('a failed confirmation is toasted and the button stays', async () => {
    serveReturnee(fake, { record: RECORD });
    fake.route('POST', '/api/v1/me/returnee/confirm', { statusCode: 503, data: envelope('DEPENDENCY_UNAVAILABLE', '服务暂时不可用，请稍后重试') });
    const page = await open();

    await tap(page, '#confirm-btn');
    await settle(page, () => fake.wx.showToast.mock.calls.length > 0, 'toast');
    await settle(page, (p) => p.instance.data.confirming === false, 'button back');
    expect(fake.wx.showToast.mock.calls[0][0].title).toBe('服务暂时不可用，请稍后重试');
    expect(text(page, '#confirmed-at')).toBe('上次确认时间：2026年11月28日 14:00');
  });

  test('修改 opens the register page in edit mode; content under review is explained', async () => {
    serveReturnee(fake, { record: Object.assign({}, RECORD, { content_review: 'review' }) });
    const page = await open();

    expect(text(page, '#review-note')).toContain('需要工作人员审核');
    await tap(page, '#edit-btn');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({
      url: '/pages/register/register?from=record',
    }));
  });

  test('network failure shows a retry button that works', async () => {
    serveReturnee(fake);
    fake.route('GET', '/api/v1/me/returnee', { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: RECORD });
    const page = await open();

    expect(text(page, '#state >>> #state-message')).toBe(MESSAGES.NETWORK);
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => p.instance.data.status === 'ready', 'record');
    expect(text(page, '#state')).toContain('信息无误，确认');
  });
});
