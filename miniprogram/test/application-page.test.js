/**
 * 申请详情 (pages/application): the status chip, the timeline newest first,
 * the reviewers' comments next to the fields, attachments, disbursement,
 * withdrawing and asking for progress notifications.
 */
const { createFakeWx, envelope, BASE_URL } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, confirmDialog, cancelDialog, simulate,
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
  await settle(page, (p) => find(p, '#status-card') || find(p, '#state >>> #state-error'), 'detail');
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

    // Where it is on its way: sent back at the township step.
    expect(text(page, '#review-steps')).toContain('乡镇审核');
    expect(text(page, '#review-steps')).toContain('退回给您修改');
    expect(page.instance.data.steps).toMatchObject({ current: 1, currentStatus: 'error' });

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
    expect(page.instance.data.steps).toMatchObject({ current: 1, currentStatus: 'process' });
    await tap(page, '#withdraw-btn');
    await settle(page, (p) => p.instance.data.withdrawVisible, 'asked');
    expect(text(page, '#confirm-withdraw')).toContain('撤回后这份申请就不再审核了');
    expect(fake.calls('POST', '/api/v1/applications/42/withdraw')).toHaveLength(0);
    await confirmDialog(page, '#confirm-withdraw');
    await settle(page, (p) => text(p, '#status-chip') === '已撤回', 'withdrawn');

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
    await confirmDialog(page, '#confirm-withdraw');
    await settle(page, (p) => text(p, '#status-chip') === '乡镇已通过（待区级审核）', 'refreshed');
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '审核已经开始，不能撤回了' }));
    expect(find(page, '#withdraw-btn')).toBeFalsy();
  });

  test('cancelling the withdraw confirmation sends nothing', async () => {
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: application({ status: 'submitted' }) });
    const page = await openDetail();

    await tap(page, '#withdraw-btn');
    await settle(page, (p) => p.instance.data.withdrawVisible, 'asked');
    await cancelDialog(page, '#confirm-withdraw');
    await simulate.sleep(20);
    expect(page.instance.data.withdrawVisible).toBe(false);
    expect(fake.calls('POST', '/api/v1/applications/42/withdraw')).toHaveLength(0);
    expect(text(page, '#status-chip')).toBe('已提交（待乡镇审核）');
  });

  test('pictures open in the previewer, PDFs are downloaded and opened', async () => {
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: RETURNED });
    const page = await openDetail();

    await tap(page, '#attachment-a1');
    await settle(page, () => fake.wx.openDocument.mock.calls.length === 1, 'pdf opened');
    expect(fake.wx.downloadFile.mock.calls[0][0].url).toBe('https://files.test/a2.pdf?sig=2');
    expect(fake.wx.openDocument.mock.calls[0][0]).toMatchObject({ filePath: 'http://tmp/download.pdf', fileType: 'pdf' });

    await tap(page, '#attachment-a0');
    await settle(page, () => fake.wx.previewImage.mock.calls.length === 1, 'preview');
    expect(fake.wx.previewImage).toHaveBeenCalledWith({
      urls: [`${BASE_URL}/files/a1?sig=1`, `${BASE_URL}/files/a3?sig=3`],
      current: `${BASE_URL}/files/a1?sig=1`,
    });
  });

  test('an expired link is renewed through GET /api/v1/uploads/{id} before the download', async () => {
    const expired = Object.assign({}, RETURNED, {
      attachments: RETURNED.attachments.map((a) => Object.assign({}, a, { url_expires_at: '2020-01-01T00:00:00Z' })),
    });
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: expired });
    fake.route('GET', '/api/v1/uploads/a2', {
      statusCode: 200,
      data: { id: 'a2', kind: 'business_licence', url: 'https://files.test/a2.pdf?sig=new', url_expires_at: '2099-01-01T00:00:00Z' },
    });
    fake.route('GET', '/api/v1/uploads/a1', {
      statusCode: 200, data: { id: 'a1', url: '/files/a1?sig=new', url_expires_at: '2099-01-01T00:00:00Z' },
    });
    fake.route('GET', '/api/v1/uploads/a3', {
      statusCode: 200, data: { id: 'a3', url: '/files/a3?sig=new', url_expires_at: '2099-01-01T00:00:00Z' },
    });
    const page = await openDetail();

    await tap(page, '#attachment-a1');
    await settle(page, () => fake.wx.openDocument.mock.calls.length === 1, 'pdf opened');
    expect(fake.calls('GET', '/api/v1/uploads/a2')).toHaveLength(1);
    expect(fake.wx.downloadFile.mock.calls[0][0].url).toBe('https://files.test/a2.pdf?sig=new');

    await tap(page, '#attachment-a2');
    await settle(page, () => fake.wx.previewImage.mock.calls.length === 1, 'preview');
    expect(fake.wx.previewImage.mock.calls[0][0]).toEqual({
      urls: [`${BASE_URL}/files/a1?sig=new`, `${BASE_URL}/files/a3?sig=new`],
      current: `${BASE_URL}/files/a3?sig=new`,
    });
    // A second tap needs no new link.
    await tap(page, '#attachment-a1');
    await settle(page, () => fake.wx.openDocument.mock.calls.length === 2, 'opened again');
    expect(fake.calls('GET', '/api/v1/uploads/a2')).toHaveLength(1);
  });

  test('a link the server refuses (403) is renewed once and the file opens', async () => {
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: RETURNED });
    fake.route('GET', '/api/v1/uploads/a2', {
      statusCode: 200, data: { id: 'a2', url: 'https://files.test/a2.pdf?sig=new', url_expires_at: '2099-01-01T00:00:00Z' },
    });
    fake.wx.downloadFile.mockImplementation((opts) => setTimeout(() => (/sig=new/.test(opts.url)
      ? opts.success({ statusCode: 200, tempFilePath: 'http://tmp/a2.pdf' })
      : opts.success({ statusCode: 403, tempFilePath: '' })), 0));
    const page = await openDetail();

    await tap(page, '#attachment-a1');
    await settle(page, () => fake.wx.openDocument.mock.calls.length === 1, 'opened');
    expect(fake.wx.downloadFile).toHaveBeenCalledTimes(2);
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('still refused after a new link: the page loads again and says what to do', async () => {
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: RETURNED });
    fake.route('GET', '/api/v1/uploads/a2', { statusCode: 404, data: envelope('NOT_FOUND', '不存在') });
    fake.wx.downloadFile.mockImplementation((opts) => setTimeout(() => opts.success({ statusCode: 403, tempFilePath: '' }), 0));
    const page = await openDetail();

    await tap(page, '#attachment-a1');
    await settle(page, () => fake.calls('GET', '/api/v1/applications/42').length === 2, 'reloaded');
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '文件暂时打不开，请下拉刷新页面后再点一次' }));
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

    expect(text(page, '#state >>> #state-message')).toContain('请检查手机是否连上网络');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#status-card'), 'loaded');
    expect(text(page, '#status-chip')).toBe('草稿');
    expect(text(page, '#edit-btn')).toBe('继续填写');
  });
});
