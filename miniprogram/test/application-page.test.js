/**
 * 申请详情 (pages/application): the status chip, the timeline newest first,
 * the reviewers' comments next to the fields, attachments, disbursement,
 * withdrawing and asking for progress notifications.
 */
const { createFakeWx, envelope, BASE_URL } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, simulate,
} = require('./helpers/page');
const { TEMPLATE_ID, policiesBody, application } = require('./helpers/backend');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
  fake.route('GET', '/api/v1/policies', policiesBody());
});

afterEach(async () => {
  // Let answers still on their way land in this test's fake, not the next one's.
  await simulate.sleep(20);
  global.wx = simulateWx;
});

const RETURNED = application({
  status: 'returned',
  version: 4,
  attachments: [
    { id: 'a1', kind: 'id_front', url: '/files/a1?sig=1', content_type: 'image/jpeg', name: 'front.jpg' },
    { id: 'a2', kind: 'business_licence', url: 'https://files.test/a2.pdf?sig=2', content_type: 'application/pdf', name: '执照.pdf' },
    { id: 'a3', kind: 'id_back', url: '/files/a3?sig=3', content_type: 'image/png', name: 'back.png' },
  ],
  // Deliberately out of order: the page sorts by time.
  timeline: [
    {
      at: '2026-11-21T03:00:00Z',
      from: 'submitted',
      to: 'returned',
      actor: '乡镇审核',
      comment: '请核对收款账户',
      field_comments: { bank_account: '账号与开户名不一致', attachments: '身份证照片不清楚' },
    },
    { at: '2026-11-20T02:00:00Z', from: 'draft', to: 'submitted', actor: '申请人' },
    { at: '2026-11-19T10:30:00Z', from: '', to: 'draft', actor: '申请人' },
  ],
});

async function openDetail(id = '42') {
  const page = mountPage('application', { id });
  await settle(page, (p) => find(p, '#status-card') || find(p, '#load-error'), 'detail');
  return page;
}

describe('pages/application', () => {
  test('status, timeline newest first in Beijing time, field comments next to their fields', async () => {
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: RETURNED });
    const page = await openDetail();

    expect(text(page, '#app-name')).toBe('创业担保贷款');
    expect(text(page, '#status-chip')).toBe('退回修改');
    expect(text(page, '#status-note')).toContain('请按审核意见改好后');

    expect(text(page, '#tl-0')).toContain('退回修改');
    expect(text(page, '#tl-0')).toContain('2026年11月21日 11:00');
    expect(text(page, '#tl-0')).toContain('乡镇审核');
    expect(text(page, '#tl-0')).toContain('请核对收款账户');
    expect(text(page, '#tl-0')).toContain('银行账号：账号与开户名不一致');
    expect(text(page, '#tl-1')).toContain('已提交（待乡镇审核）');
    expect(text(page, '#tl-1')).toContain('2026年11月20日 10:00');
    expect(text(page, '#tl-2')).toContain('草稿');
    expect(find(page, '#tl-3')).toBeFalsy();

    expect(text(page, '#return-comment')).toBe('请核对收款账户');
    expect(text(page, '#row-bank_account')).toContain('6222********1234');
    expect(text(page, '#comment-bank_account')).toBe('审核意见：账号与开户名不一致');
    expect(find(page, '#comment-bank_name')).toBeFalsy();
    expect(text(page, '#other-comment-attachments')).toBe('申请材料：身份证照片不清楚');
    expect(text(page, '#row-amount_fen')).toContain('100,000 元');
    expect(text(page, '#row-term_months')).toContain('24个月');

    expect(text(page, '#edit-btn')).toBe('修改并重新提交');
    await tap(page, '#edit-btn');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/apply/apply?id=42' }));
    expect(fake.storage.get('application_seen')).toEqual({ 42: 'returned' });
  });

  test('withdraw asks first, sends the version shown, then shows the new status', async () => {
    fake.route('GET', '/api/v1/applications/42',
      { statusCode: 200, data: application({ status: 'submitted', version: 2 }) },
      { statusCode: 200, data: application({ status: 'withdrawn', version: 3 }) });
    fake.route('POST', '/api/v1/applications/42/withdraw',
      { statusCode: 200, data: application({ status: 'withdrawn', version: 3 }) });
    const page = await openDetail();

    expect(find(page, '#edit-btn')).toBeFalsy();
    await tap(page, '#withdraw-btn');
    await settle(page, (p) => text(p, '#status-chip') === '已撤回', 'withdrawn');

    expect(fake.wx.showModal.mock.calls[0][0].title).toBe('撤回申请');
    expect(fake.calls('POST', '/api/v1/applications/42/withdraw')[0].data).toEqual({ version: 2 });
    expect(find(page, '#withdraw-btn')).toBeFalsy();
    expect(find(page, '#subscribe-btn')).toBeFalsy();
  });

  test('withdrawing after review started is refused in plain words and the page refreshes', async () => {
    fake.route('GET', '/api/v1/applications/42',
      { statusCode: 200, data: application({ status: 'submitted', version: 2 }) },
      { statusCode: 200, data: application({ status: 'township_approved', version: 3 }) });
    fake.route('POST', '/api/v1/applications/42/withdraw',
      { statusCode: 409, data: envelope('INVALID_TRANSITION', 'invalid transition') });
    const page = await openDetail();

    await tap(page, '#withdraw-btn');
    await settle(page, (p) => text(p, '#status-chip') === '乡镇已通过（待区级审核）', 'refreshed');
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '审核已经开始，不能撤回了' }));
    expect(find(page, '#withdraw-btn')).toBeFalsy();
  });

  test('cancelling the withdraw confirmation sends nothing', async () => {
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: application({ status: 'submitted' }) });
    fake.wx.showModal.mockImplementation((opts) => setTimeout(() => opts.success({ confirm: false, cancel: true }), 0));
    const page = await openDetail();

    await tap(page, '#withdraw-btn');
    await settle(page, () => fake.wx.showModal.mock.calls.length === 1);
    expect(fake.calls('POST', '/api/v1/applications/42/withdraw')).toHaveLength(0);
  });

  test('pictures open in the previewer, PDFs are downloaded and opened', async () => {
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: RETURNED });
    const page = await openDetail();

    await tap(page, '#attachment-a1');
    await settle(page, () => fake.wx.openDocument.mock.calls.length === 1, 'pdf opened');
    expect(fake.wx.downloadFile.mock.calls[0][0].url).toBe('https://files.test/a2.pdf?sig=2');
    expect(fake.wx.openDocument.mock.calls[0][0]).toMatchObject({ filePath: 'http://tmp/download.pdf', fileType: 'pdf' });

    await tap(page, '#attachment-a0');
    expect(fake.wx.previewImage).toHaveBeenCalledWith({
      urls: [`${BASE_URL}/files/a1?sig=1`, `${BASE_URL}/files/a3?sig=3`],
      current: `${BASE_URL}/files/a1?sig=1`,
    });
  });

  test('an expired PDF link reloads the details for fresh links', async () => {
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: RETURNED });
    fake.wx.downloadFile.mockImplementation((opts) => setTimeout(() => opts.success({ statusCode: 403, tempFilePath: '' }), 0));
    const page = await openDetail();

    await tap(page, '#attachment-a1');
    await settle(page, () => fake.calls('GET', '/api/v1/applications/42').length === 2, 'reloaded');
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '文件链接已过期，请刷新页面后再点' }));
    expect(fake.wx.openDocument).not.toHaveBeenCalled();
  });

  test('disbursed: the amount, date and bank reference; no actions left', async () => {
    fake.route('GET', '/api/v1/applications/42', {
      statusCode: 200,
      data: application({
        policy: 'startup_subsidy',
        status: 'disbursed',
        amount_fen: 500000,
        disbursement: { amount_fen: 500000, paid_on: '2026-12-01', bank_reference: 'BR20261201001' },
      }),
    });
    const page = await openDetail();

    expect(text(page, '#app-name')).toBe('一次性创业补贴');
    expect(text(page, '#status-chip')).toBe('已发放');
    expect(text(page, '#paid-amount')).toBe('已发放 5,000 元');
    expect(text(page, '#paid-date')).toBe('发放日期：2026年12月1日');
    expect(text(page, '#paid-reference')).toBe('银行流水号：BR20261201001');
    expect(find(page, '#row-term_months')).toBeFalsy();
    expect(find(page, '#edit-btn')).toBeFalsy();
    expect(find(page, '#withdraw-btn')).toBeFalsy();
    expect(find(page, '#subscribe-btn')).toBeFalsy();
  });

  test('the notification link asks for consent from the tap and reports the accepted template', async () => {
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: application({ status: 'township_approved' }) });
    fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { [TEMPLATE_ID]: 2 } } });
    const page = await openDetail();

    await tap(page, '#subscribe-btn');
    await settle(page, (p) => find(p, '#consent-accepted'), 'accepted');
    expect(fake.wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([TEMPLATE_ID]);
    expect(fake.calls('POST', '/api/v1/me/subscriptions')[0].data).toEqual({ accepted: [TEMPLATE_ID] });
  });

  test('a load failure offers a retry', async () => {
    fake.route('GET', '/api/v1/applications/42',
      { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 200, data: application() });
    const page = await openDetail();

    expect(text(page, '#error-message')).toBe('网络不给力，请稍后重试');
    await tap(page, '#retry-btn');
    await settle(page, (p) => find(p, '#status-card'), 'loaded');
    expect(text(page, '#status-chip')).toBe('草稿');
    expect(text(page, '#edit-btn')).toBe('继续填写');
  });
});
