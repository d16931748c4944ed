/**
 * 申请 (pages/apply) rendered with miniprogram-simulate: the cap checked as
 * the amount is typed, required materials, uploads, the Idempotency-Key kept
 * across retries, the draft on the phone, server errors, editing a returned
 * application and the subscribe-consent prompt after submitting.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, trigger, confirmDialog, cancelDialog, simulate,
} = require('./helpers/page');
const { VERSION } = require('../lib/privacy');
const {
  TEMPLATE_ID, SUBSIDY, LOAN, policy, policiesBody, application, serveUploads,
} = require('./helpers/backend');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  // The privacy policy was accepted (asked before a bank account is sent).
  fake.storage.set('privacy_accepted', VERSION);
  fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

// Pages opened by the test: closed after it, so their last draft is written
// into this test's fake and no timer writes into the next one's.
let opened = [];

afterEach(async () => {
  opened.forEach((page) => {
    try {
      page.detach();
    } catch (e) {
      // already closed by the test
    }
  });
  opened = [];
  // Let answers still on their way land in this test's fake, not the next one's.
  await simulate.sleep(20);
  global.wx = simulateWx;
});

const LOAN_DRAFT = 'application_draft_guaranteed_loan';
const SUBSIDY_DRAFT = 'application_draft_startup_subsidy';

async function open(query) {
  const page = mountPage('apply', query);
  opened.push(page);
  await settle(page, (p) => find(p, '#form-card') || find(p, '#blocked') || find(p, '#locked')
    || find(p, '#state >>> #state-error'), 'form');
  return page;
}

async function fillCommon(page) {
  await type(page, '#input-bank_name', '咸安农商银行');
  await type(page, '#input-bank_account', '6222 0000 1111 1234');
  await type(page, '#input-contact_phone', '13812345678');
  await type(page, '#input-jobs_created', '3');
}

async function fillLoan(page) {
  await type(page, '#input-amount_yuan', '100000');
  await tap(page, '#term-24');
  await type(page, '#input-purpose', '购买茶叶加工设备');
  await fillCommon(page);
}

async function upload(page, kind) {
  await tap(page, `#add-photo-${kind}`);
  await settle(page, (p) => (text(p, `#material-${kind}`) || '').includes('已上传'), `${kind} uploaded`);
}

const LOAN_REQUIRED = ['id_front', 'id_back'];
const SUBSIDY_REQUIRED = ['business_licence', 'id_front', 'id_back'];

/** Waits up to `ms` for `predicate` (the draft is written at most every half second). */
async function waitFor(predicate, what, ms = 2000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) {
      throw new Error(`timed out: ${what}`);
    }
    // eslint-disable-next-line no-await-in-loop
    await simulate.sleep(20);
  }
}

/** 提交申请, then 提交 in the confirmation dialog. */
async function submit(page) {
  await tap(page, '#submit-btn');
  await settle(page, (p) => p.instance.data.confirmVisible, 'confirmation');
  await confirmDialog(page, '#confirm-submit');
}

/** Routes for a loan that is created (42, v1), then submitted (v2). */
function serveLoanSubmit() {
  fake.route('GET', '/api/v1/policies', policiesBody());
  serveUploads(fake);
  fake.route('POST', '/api/v1/applications', { statusCode: 201, data: application({ version: 1 }) });
  fake.route('POST', '/api/v1/applications/42/submit',
    { statusCode: 200, data: application({ status: 'submitted', version: 2 }) });
  fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: { [TEMPLATE_ID]: 1 } } });
}

async function openFilledLoan() {
  const page = await open({ policy: 'guaranteed_loan' });
  await fillLoan(page);
  for (const kind of LOAN_REQUIRED) {
    // eslint-disable-next-line no-await-in-loop
    await upload(page, kind);
  }
  return page;
}

describe('pages/apply: the loan form', () => {
  test('shows the cap and checks the amount against it as it is typed', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    const page = await open({ policy: 'guaranteed_loan' });

    expect(text(page, '#policy-name')).toBe('创业担保贷款');
    expect(text(page, '#cap-text')).toBe('个人最多可以申请 300,000 元（30万元）');
    expect(find(page, '#field-enterprise_name')).toBeFalsy();

    await type(page, '#input-amount_yuan', '400000');
    expect(text(page, '#err-amount_yuan')).toBe('个人最多可以申请 300,000 元（30万元），请改小一些');

    await type(page, '#input-amount_yuan', '300,000');
    expect(find(page, '#err-amount_yuan')).toBeFalsy();

    await type(page, '#input-amount_yuan', '十万');
    expect(text(page, '#err-amount_yuan')).toBe('金额只能填数字，例如：100000');

    // An enterprise may borrow more; the message follows the borrower type.
    await type(page, '#input-amount_yuan', '400000');
    await tap(page, '#borrower-enterprise');
    expect(text(page, '#cap-text')).toBe('小微企业最多可以申请 5,000,000 元（500万元）');
    expect(find(page, '#err-amount_yuan')).toBeFalsy();
    expect(find(page, '#field-enterprise_name')).toBeTruthy();

    await type(page, '#input-amount_yuan', '6000000');
    expect(text(page, '#err-amount_yuan')).toBe('小微企业最多可以申请 5,000,000 元（500万元），请改小一些');
  });

  test('checks every field and the required materials before asking to submit', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    const page = await open({ policy: 'guaranteed_loan' });
    await tap(page, '#borrower-enterprise');
    await type(page, '#input-enterprise_uscc', '91421202MA4A000014');
    expect(text(page, '#err-enterprise_uscc')).toBe('统一社会信用代码有误，请对照营业执照逐位核对');

    await tap(page, '#submit-btn');

    expect(text(page, '#err-enterprise_name')).toBe('请填写企业名称');
    expect(text(page, '#err-amount_yuan')).toBe('请填写申请金额');
    expect(text(page, '#err-term_months')).toBe('请选择贷款期限');
    expect(text(page, '#err-purpose')).toBe('请填写贷款用途');
    expect(text(page, '#err-bank_account')).toBe('请填写银行账号');
    // Optional, as on the server (the bound phone is used).
    expect(find(page, '#err-contact_phone')).toBeFalsy();
    expect(find(page, '#err-jobs_created')).toBeFalsy();
    expect(text(page, '#material-err-id_front')).toBe('请上传身份证人像面');
    expect(text(page, '#material-err-id_back')).toBe('请上传身份证国徽面');
    // Optional for the loan.
    expect(find(page, '#material-err-business_licence')).toBeFalsy();
    expect(text(page, '#form-hint')).toBe('请先改正标红的内容');
    expect(page.instance.data.confirmVisible).toBe(false);
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(0);
  });

  test('the Idempotency-Key is made once, kept in the draft and reused with the same body on retry', async () => {
    serveLoanSubmit();
    fake.route('POST', '/api/v1/applications',
      { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 201, data: application({ version: 1 }) });
    // eslint-disable-next-line global-require
    require('./helpers/network-wx').withNetwork(fake);
    Object.assign(global.wx, fake.wx);
    const page = await openFilledLoan();
    const key = fake.storage.get(LOAN_DRAFT).idempotency_key;
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    await submit(page);
    // The answer was lost: the submission waits for the network (see the test below).
    await settle(page, (p) => find(p, '#network-wait'), 'waiting for the network');

    // The page is closed and opened again: same key, same body once the
    // account (never kept on the phone in clear) is typed again.
    page.detach();
    const kept = fake.storage.get(LOAN_DRAFT);
    expect(kept.pending_create.bank_account).toBe('****1234');
    expect(JSON.stringify(kept)).not.toContain('6222000011111234');
    const again = await open({ policy: 'guaranteed_loan' });
    expect(text(again, '#draft-notice')).toContain('已为您恢复上次没有提交的内容');
    expect(text(again, '#account-again')).toContain('尾号是1234');
    await type(again, '#input-bank_account', '6222 0000 1111 1234');
    await submit(again);
    await settle(again, (p) => find(p, '#done'), 'done');

    const creates = fake.calls('POST', '/api/v1/applications');
    expect(creates).toHaveLength(2);
    expect(creates[0].header['Idempotency-Key']).toBe(key);
    expect(creates[1].header['Idempotency-Key']).toBe(key);
    expect(creates[1].data).toEqual(creates[0].data);
    expect(creates[0].data).toEqual({
      policy: 'guaranteed_loan',
      borrower_type: 'individual',
      amount_fen: 10000000,
      term_months: 24,
      purpose: '购买茶叶加工设备',
      bank_name: '咸安农商银行',
      bank_account: '6222000011111234',
      contact_phone: '13812345678',
      jobs_created: 3,
      attachments: [expect.stringMatching(/^up_id_front_/), expect.stringMatching(/^up_id_back_/)],
    });
    expect(fake.calls('POST', '/api/v1/applications/42/submit')[0].data).toEqual({ version: 1 });
    // Submitted: the draft is gone from the phone.
    expect(fake.storage.has(LOAN_DRAFT)).toBe(false);
  });

  test('a change made after a lost answer is sent as a PUT once the draft exists', async () => {
    serveLoanSubmit();
    fake.route('POST', '/api/v1/applications',
      { fail: { errMsg: 'request:fail' } },
      { statusCode: 201, data: application({ version: 1 }) });
    fake.route('PUT', '/api/v1/applications/42', { statusCode: 200, data: application({ version: 2 }) });
    const page = await openFilledLoan();

    await tap(page, '#save-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'network error');
    expect(text(page, '#submit-error')).toContain('草稿没有存到网上');

    await type(page, '#input-purpose', '租门面');
    await tap(page, '#save-btn');
    await settle(page, () => fake.storage.get(LOAN_DRAFT).version === 2, 'patched');

    const creates = fake.calls('POST', '/api/v1/applications');
    expect(creates[1].data.purpose).toBe('购买茶叶加工设备');
    expect(creates[1].header['Idempotency-Key']).toBe(creates[0].header['Idempotency-Key']);
    const patch = fake.calls('PUT', '/api/v1/applications/42')[0].data;
    expect(patch).toMatchObject({ purpose: '租门面', version: 1 });
    expect(patch.policy).toBeUndefined();
    expect(fake.storage.get(LOAN_DRAFT)).toMatchObject({ application_id: 42, version: 2, pending_create: null });
  });

  test('409 LOAN_LIMIT_REACHED is explained, with the way to my applications', async () => {
    serveLoanSubmit();
    fake.route('POST', '/api/v1/applications',
      { statusCode: 409, data: envelope('LOAN_LIMIT_REACHED', '贷款次数已达上限') });
    const page = await openFilledLoan();
    const key = fake.storage.get(LOAN_DRAFT).idempotency_key;

    await submit(page);
    await settle(page, (p) => find(p, '#block-error'), 'block error');

    expect(text(page, '#block-error')).toContain('创业担保贷款每人最多能获得3次，您已经达到上限，不能再申请了');
    expect(text(page, '#block-action')).toBe('查看我的申请');
    expect(fake.calls('POST', '/api/v1/applications/42/submit')).toHaveLength(0);
    // A definite answer: the next try is a new request with a new key.
    expect(fake.storage.get(LOAN_DRAFT).idempotency_key).not.toBe(key);
    expect(fake.storage.get(LOAN_DRAFT).form.amount_yuan).toBe('100000');

    await tap(page, '#block-action');
    expect(fake.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/applications/applications' }));
  });

  test('422 AMOUNT_OVER_CAP and VALIDATION_FAILED show under their fields', async () => {
    serveLoanSubmit();
    fake.route('POST', '/api/v1/applications',
      { statusCode: 422, data: { error: { code: 'AMOUNT_OVER_CAP', message: '金额超过上限30万元', field: 'amount_fen' } } },
      { statusCode: 422, data: { error: { code: 'VALIDATION_FAILED', message: '开户银行名称不正确', field: 'bank_name' } } });
    const page = await openFilledLoan();

    await submit(page);
    await settle(page, (p) => find(p, '#err-amount_yuan'), 'amount error');
    expect(text(page, '#err-amount_yuan')).toBe('金额超过上限30万元');

    await submit(page);
    await settle(page, (p) => find(p, '#err-bank_name'), 'bank error');
    expect(text(page, '#err-bank_name')).toBe('开户银行名称不正确');
  });

  test('NOT_ELIGIBLE says why, with the way to the conditions', async () => {
    serveLoanSubmit();
    fake.route('POST', '/api/v1/applications',
      { statusCode: 422, data: envelope('NOT_ELIGIBLE', '营业执照登记已超过3年，不能申请') });
    const page = await openFilledLoan();

    await submit(page);
    await settle(page, (p) => find(p, '#block-error'), 'block error');
    expect(text(page, '#block-error')).toContain('营业执照登记已超过3年，不能申请');
    expect(text(page, '#block-action')).toBe('查看申请条件');
  });
});

describe('pages/apply: submitting and the consent prompt', () => {
  test('提交 asks in a dialog; its 提交 tap also asks for notifications; only accepted templates are reported', async () => {
    serveLoanSubmit();
    const page = await openFilledLoan();

    await tap(page, '#submit-btn');
    await settle(page, (p) => p.instance.data.confirmVisible, 'confirmation');
    expect(text(page, '#confirm-submit')).toContain('确认提交');
    expect(text(page, '#confirm-submit')).toContain('申请金额：100,000 元');
    expect(text(page, '#confirm-submit')).toContain('贷款期限：24个月');
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();

    const sentBefore = fake.wx.request.mock.calls.length;
    await confirmDialog(page, '#confirm-submit');
    // Asked inside the tap itself, before anything was sent: WeChat allows it only there.
    expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    const asked = fake.wx.requestSubscribeMessage.mock.invocationCallOrder[0];
    const created = fake.wx.request.mock.invocationCallOrder[sentBefore];
    expect(created === undefined || asked < created).toBe(true);
    await settle(page, () => fake.calls('POST', '/api/v1/me/subscriptions').length === 1, 'consent reported');
    // No second dialog after the submission.
    expect(fake.wx.showModal).not.toHaveBeenCalled();
    expect(fake.wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([TEMPLATE_ID]);
    expect(fake.calls('POST', '/api/v1/me/subscriptions')[0].data).toEqual({ accepted: [TEMPLATE_ID] });

    await settle(page, (p) => find(p, '#consent-accepted'), 'accepted note');
    expect(text(page, '#done-title')).toBe('提交成功');
    expect(find(page, '#subscribe-btn')).toBeFalsy();
    // The new status counts as seen: no "changed" prompt for it later.
    expect(fake.storage.get('application_seen')).toEqual({ 42: 'submitted' });

    await tap(page, '#view-application-btn');
    expect(fake.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({
      url: '/pages/application/application?id=42',
    }));
  });

  test('a refused consent still submits and reports nothing; the button asks again from a tap', async () => {
    serveLoanSubmit();
    fake.subscribeAnswer = { [TEMPLATE_ID]: 'reject' };
    const page = await openFilledLoan();

    await submit(page);
    await settle(page, (p) => find(p, '#done'), 'submitted');
    expect(fake.calls('POST', '/api/v1/applications/42/submit')).toHaveLength(1);
    expect(text(page, '#done-title')).toBe('提交成功');
    await settle(page, (p) => find(p, '#subscribe-btn') && p.instance.data.consent === 'declined', 'declined');
    expect(fake.calls('POST', '/api/v1/me/subscriptions')).toHaveLength(0);

    fake.subscribeAnswer = { [TEMPLATE_ID]: 'accept' };
    await tap(page, '#subscribe-btn');
    await settle(page, (p) => find(p, '#consent-accepted'), 'accepted');
    expect(fake.calls('POST', '/api/v1/me/subscriptions')[0].data).toEqual({ accepted: [TEMPLATE_ID] });
  });

  test('a submit whose answer was lost is recognised on the retry and ends as submitted', async () => {
    serveLoanSubmit();
    fake.route('POST', '/api/v1/applications/42/submit', { fail: { errMsg: 'request:fail timeout' } });
    fake.route('PUT', '/api/v1/applications/42',
      { statusCode: 409, data: envelope('INVALID_TRANSITION', '当前状态不能修改') });
    fake.route('GET', '/api/v1/applications/42',
      { statusCode: 200, data: application({ status: 'submitted', version: 2 }) });
    const page = await openFilledLoan();

    await submit(page);
    await settle(page, (p) => find(p, '#submit-error'), 'network error');
    await submit(page);
    await settle(page, (p) => find(p, '#done'), 'done');

    expect(text(page, '#done-title')).toBe('提交成功');
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(1);
    expect(fake.storage.has(LOAN_DRAFT)).toBe(false);
  });

  test('cancelling the confirmation sends nothing', async () => {
    serveLoanSubmit();
    const page = await openFilledLoan();

    await tap(page, '#submit-btn');
    await settle(page, (p) => p.instance.data.confirmVisible, 'confirmation');
    await cancelDialog(page, '#confirm-submit');
    await simulate.sleep(20);
    expect(page.instance.data.confirmVisible).toBe(false);
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(0);
    expect(fake.wx.requestSubscribeMessage).not.toHaveBeenCalled();
    expect(find(page, '#form-card')).toBeTruthy();
  });
});

describe('pages/apply: the subsidy form, materials and the draft', () => {
  test('shows the fixed amount, no loan fields; required materials block the submit until uploaded', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    serveUploads(fake);
    fake.route('POST', '/api/v1/applications',
      { statusCode: 201, data: application({ policy: 'startup_subsidy', amount_fen: 500000, version: 1 }) });
    fake.route('POST', '/api/v1/applications/42/submit',
      { statusCode: 200, data: application({ policy: 'startup_subsidy', status: 'submitted', version: 2 }) });
    fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: {} } });
    const page = await open({ policy: 'startup_subsidy' });

    expect(text(page, '#subsidy-amount')).toBe('补贴金额：5,000 元');
    expect(find(page, '#field-amount_yuan')).toBeFalsy();
    expect(find(page, '#field-borrower_type')).toBeFalsy();

    await fillCommon(page);
    await upload(page, 'business_licence');
    await tap(page, '#submit-btn');
    expect(text(page, '#form-hint')).toBe('还缺必须上传的材料，请看标红的地方');
    expect(find(page, '#material-err-business_licence')).toBeFalsy();
    expect(text(page, '#material-err-id_front')).toBe('请上传身份证人像面');
    expect(text(page, '#material-err-id_back')).toBe('请上传身份证国徽面');
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(0);

    await upload(page, 'id_front');
    expect(find(page, '#material-err-id_front')).toBeFalsy();
    await upload(page, 'id_back');
    await submit(page);
    await settle(page, (p) => find(p, '#done'), 'done');

    const body = fake.calls('POST', '/api/v1/applications')[0].data;
    expect(body).toEqual({
      policy: 'startup_subsidy',
      bank_name: '咸安农商银行',
      bank_account: '6222000011111234',
      contact_phone: '13812345678',
      jobs_created: 3,
      attachments: [
        expect.stringMatching(/^up_business_licence_/),
        expect.stringMatching(/^up_id_front_/),
        expect.stringMatching(/^up_id_back_/),
      ],
    });
    expect(fake.wx.chooseMedia.mock.calls[0][0]).toMatchObject({
      mediaType: ['image'], sourceType: ['camera', 'album'], sizeType: ['compressed'],
    });
  });

  test('upload progress, 413 and 415 explained, a failed upload retried, a file removed', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    const held = fake.pending();
    fake.route('UPLOAD', '/api/v1/uploads',
      () => held.promise,
      { statusCode: 413, data: envelope('BODY_TOO_LARGE', '请求内容过大') },
      { statusCode: 415, data: envelope('UNSUPPORTED_MEDIA_TYPE', 'x') },
      { statusCode: 500, data: 'oops' },
      { statusCode: 201, data: { id: 'up_ok', url: '/files/up_ok', kind: 'other', content_type: 'image/jpeg' } });
    const page = await open({ policy: 'startup_subsidy' });

    // The first upload is held: its progress shows.
    await tap(page, '#add-photo-business_licence');
    await settle(page, (p) => find(p, '#progress-u1'), 'progress bar');
    expect(text(page, '#file-status-u1')).toBe('正在上传 0%');
    await tap(page, '#submit-btn');
    expect(text(page, '#form-hint')).toBe('材料还在上传，请等上传完成后再提交');
    held.release({ statusCode: 201, progress: [60], data: { id: 'up_bl', url: '/files/up_bl', kind: 'business_licence' } });
    await settle(page, (p) => text(p, '#file-status-u1') === '已上传', 'uploaded');

    await tap(page, '#add-photo-id_front');
    await settle(page, (p) => find(p, '#file-err-u2'), '413');
    expect(text(page, '#file-err-u2')).toBe('文件太大了（不能超过10MB），请重新拍一张，或换一个小一点的文件');
    expect(find(page, '#retry-u2')).toBeFalsy();

    await tap(page, '#add-file-id_back');
    await settle(page, (p) => find(p, '#file-err-u3'), '415');
    expect(text(page, '#file-err-u3')).toBe('这种文件传不了，只能上传照片（JPG、PNG）或PDF文件');

    await tap(page, '#add-photo-other');
    await settle(page, (p) => find(p, '#retry-u4'), 'retry button');
    await tap(page, '#retry-u4');
    await settle(page, (p) => text(p, '#file-status-u4') === '已上传', 'retried');

    await tap(page, '#remove-u2');
    await settle(page, (p) => p.instance.data.removeVisible, 'asked');
    await confirmDialog(page, '#confirm-remove');
    await settle(page, (p) => !find(p, '#file-u2'), 'removed');
    // The draft follows within half a second.
    const stored = () => fake.storage.get(SUBSIDY_DRAFT).attachments.map((a) => a.id);
    await waitFor(() => stored().length === 2, 'draft saved');
    expect(stored()).toEqual(['up_bl', 'up_ok']);
  });

  test('what was typed and uploaded comes back when the page is opened again', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    serveUploads(fake);
    const page = await open({ policy: 'startup_subsidy' });
    expect(find(page, '#draft-notice')).toBeFalsy();
    await fillCommon(page);
    await upload(page, 'id_front');
    page.detach();

    const again = await open({ policy: 'startup_subsidy' });
    expect(text(again, '#draft-notice')).toContain('已为您恢复上次没有提交的内容');
    expect(again.instance.data.form).toMatchObject({
      bank_name: '咸安农商银行', bank_account: '', contact_phone: '13812345678', jobs_created: '3',
    });
    // The account is asked again: only its last 4 digits were kept.
    expect(text(again, '#account-again')).toContain('尾号是1234');
    expect(JSON.stringify(fake.storage.get(SUBSIDY_DRAFT))).not.toMatch(/6222\s?0000/);
    expect(text(again, '#material-id_front')).toContain('已上传');

    await tap(again, '#discard-draft');
    await settle(again, (p) => p.instance.data.discardVisible, 'asked');
    await confirmDialog(again, '#confirm-discard');
    await settle(again, (p) => p.instance.data.form.bank_name === '' && find(p, '#form-card'), 'cleared');
    expect(find(again, '#draft-notice')).toBeFalsy();
  });

  test('not eligible: the reasons and a button to fix them instead of the form', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody([policy(SUBSIDY, {
      eligibility: { eligible: false, reasons: [{ code: 'NOT_REGISTERED', message: '请先完成返乡登记' }] },
    }), LOAN]));
    const page = await open({ policy: 'startup_subsidy' });

    expect(find(page, '#form-card')).toBeFalsy();
    expect(text(page, '#blocked-reason-NOT_REGISTERED')).toBe('请先完成返乡登记');
    await tap(page, '#blocked-fix-NOT_REGISTERED');
    expect(fake.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/register/register' }));
  });
});

describe('pages/apply: correcting a returned application', () => {
  const RETURNED = application({
    status: 'returned',
    version: 5,
    attachments: [
      { id: 'att1', kind: 'id_front', url: '/files/att1', content_type: 'image/jpeg', name: 'front.jpg' },
      { id: 'att2', kind: 'id_back', url: '/files/att2', content_type: 'image/jpeg', name: 'back.jpg' },
    ],
    timeline: [
      { at: '2026-11-20T02:00:00Z', from: 'draft', to: 'submitted', actor: '申请人' },
      {
        at: '2026-11-21T03:00:00Z',
        from: 'submitted',
        to: 'returned',
        actor: '乡镇审核',
        comment: '请核对收款账户',
        field_comments: { bank_account: '账号与开户名不一致', attachments: '身份证照片不清楚' },
      },
    ],
  });

  test('the comments sit next to their fields; the masked account is never sent back', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: RETURNED });
    fake.route('PUT', '/api/v1/applications/42', { statusCode: 200, data: application({ status: 'returned', version: 6 }) });
    fake.route('POST', '/api/v1/applications/42/submit', { statusCode: 200, data: application({ status: 'submitted', version: 7 }) });
    fake.route('POST', '/api/v1/me/subscriptions', { statusCode: 200, data: { consents: {} } });
    const page = await open({ id: '42' });

    expect(text(page, '#return-comment')).toBe('请核对收款账户');
    expect(text(page, '#comment-bank_account')).toBe('审核意见：账号与开户名不一致');
    expect(text(page, '#other-comment-attachments')).toBe('申请材料：身份证照片不清楚');
    expect(text(page, '#account-on-file')).toContain('6222********1234');
    expect(page.instance.data.form).toMatchObject({ amount_yuan: '100000', term_months: '24', bank_account: '' });
    expect(text(page, '#material-id_front')).toContain('已上传');

    await type(page, '#input-bank_name', '咸安农商银行官埠桥支行');
    await submit(page);
    await settle(page, (p) => find(p, '#done'), 'done');

    const patch = fake.calls('PUT', '/api/v1/applications/42')[0].data;
    expect(patch).toMatchObject({ bank_name: '咸安农商银行官埠桥支行', version: 5, attachments: ['att1', 'att2'] });
    expect(patch).not.toHaveProperty('bank_account');
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(0);
    expect(fake.calls('POST', '/api/v1/applications/42/submit')[0].data).toEqual({ version: 6 });
    expect(text(page, '#done-title')).toBe('已重新提交');
  });

  test('STALE_VERSION: reloads, keeps the fields the user changed and takes the rest', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    fake.route('GET', '/api/v1/applications/42',
      { statusCode: 200, data: RETURNED },
      { statusCode: 200, data: Object.assign({}, RETURNED, { version: 6, purpose: '扩建茶叶加工厂房', bank_name: '别处改的银行' }) });
    fake.route('PUT', '/api/v1/applications/42',
      { statusCode: 409, data: envelope('STALE_VERSION', '申请已被修改，请刷新') },
      { statusCode: 200, data: application({ status: 'returned', version: 7 }) });
    const page = await open({ id: '42' });

    await type(page, '#input-bank_name', '我改的银行');
    await tap(page, '#save-btn');
    await settle(page, (p) => find(p, '#stale-notice'), 'stale notice');

    expect(text(page, '#stale-notice')).toContain('您改过的内容都保留着');
    expect(page.instance.data.form.bank_name).toBe('我改的银行');
    expect(page.instance.data.form.purpose).toBe('扩建茶叶加工厂房');

    await tap(page, '#save-btn');
    await settle(page, () => fake.calls('PUT', '/api/v1/applications/42').length === 2, 'saved again');
    expect(fake.calls('PUT', '/api/v1/applications/42')[1].data).toMatchObject({
      bank_name: '我改的银行', purpose: '扩建茶叶加工厂房', version: 6,
    });
  });

  test('an application under review cannot be edited', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    fake.route('GET', '/api/v1/applications/42', { statusCode: 200, data: application({ status: 'township_approved' }) });
    const page = await open({ id: '42' });

    expect(text(page, '#locked-text')).toBe('这份申请现在是“乡镇已通过（待区级审核）”，不能修改。');
    expect(find(page, '#form-card')).toBeFalsy();
  });
});

describe('pages/apply: what a user on a cheap phone and a weak network notices', () => {
  // eslint-disable-next-line global-require
  const { withNetwork } = require('./helpers/network-wx');

  test('text typed past the server\'s limit is refused, and the message says the limit', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    const page = await open({ policy: 'guaranteed_loan' });

    await type(page, '#input-bank_name', '行'.repeat(70));
    expect(text(page, '#err-bank_name')).toBe('开户银行最多64个字，多出的字没有填进去');
    expect(page.instance.data.form.bank_name).toBe('行'.repeat(64));
    expect(text(page, '#count-bank_name')).toBe('64/64');
    // Typing on at the limit: the field itself shows only what was kept.
    await type(page, '#input-bank_name', '行'.repeat(65));
    expect(page.instance.selectComponent('#input-bank_name').data.value).toBe('行'.repeat(64));
    expect(text(page, '#err-bank_name')).toBe('开户银行最多64个字，多出的字没有填进去');

    await type(page, '#input-purpose', '买'.repeat(501));
    expect(text(page, '#err-purpose')).toBe('贷款用途最多500个字，多出的字没有填进去');
    expect(page.instance.data.form.purpose).toHaveLength(500);

    await type(page, '#input-bank_account', '1'.repeat(31));
    expect(text(page, '#err-bank_account')).toBe('银行账号最多30位数字，多出的数字没有填进去');
    expect(page.instance.data.form.bank_account).toBe('1'.repeat(30));

    // 11 digits is too short for the server (12-30): said at the latest on 保存草稿.
    await type(page, '#input-bank_account', '1'.repeat(11));
    expect(find(page, '#err-bank_account')).toBeFalsy();
    await tap(page, '#save-btn');
    expect(text(page, '#err-bank_account')).toContain('应为12到30位数字');
  });

  test('删除 asks first; 留着 keeps the photo', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    serveUploads(fake);
    const page = await open({ policy: 'startup_subsidy' });
    await upload(page, 'id_front');

    await tap(page, '#remove-u1');
    await settle(page, (p) => p.instance.data.removeVisible, 'asked');
    expect(text(page, '#confirm-remove')).toContain('删除这个文件？');
    expect(find(page, '#file-u1')).toBeTruthy();
    await cancelDialog(page, '#confirm-remove');
    await settle(page, (p) => !p.instance.data.removeVisible, 'closed');
    expect(find(page, '#file-u1')).toBeTruthy();

    await tap(page, '#remove-u1');
    await confirmDialog(page, '#confirm-remove');
    await settle(page, (p) => !find(p, '#file-u1'), 'removed');
    expect(text(page, '#material-id_front')).not.toContain('已上传');
  });

  test('submitted with no network: kept, said so, and sent once by itself when the network is back', async () => {
    serveLoanSubmit();
    const page = await openFilledLoan();
    const net = withNetwork(fake);
    Object.assign(global.wx, fake.wx);
    net.down();

    await submit(page);
    await settle(page, (p) => find(p, '#network-wait'), 'waiting for the network');
    expect(text(page, '#network-wait')).toContain('网络一恢复就会自动提交');
    expect(find(page, '#submit-error')).toBeFalsy();
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(1);

    net.up();
    await settle(page, (p) => find(p, '#done'), 'submitted when the network came back');
    const creates = fake.calls('POST', '/api/v1/applications');
    expect(creates).toHaveLength(2);
    expect(creates[1].header['Idempotency-Key']).toBe(creates[0].header['Idempotency-Key']);
    expect(creates[1].data).toEqual(creates[0].data);
    expect(fake.calls('POST', '/api/v1/applications/42/submit')).toHaveLength(1);
    expect(text(page, '#done-title')).toBe('提交成功');

    net.up(); // reported again: nothing more is sent
    await simulate.sleep(20);
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(2);
  });

  test('typing fast writes the draft at most every half second; the account never in clear', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    const page = await open({ policy: 'startup_subsidy' });
    const writes = () => fake.wx.setStorageSync.mock.calls.filter((c) => c[0] === SUBSIDY_DRAFT).length;
    const before = writes();

    const account = '6222000011112222333';
    for (let i = 1; i <= account.length; i += 1) {
      // eslint-disable-next-line no-await-in-loop
      await type(page, '#input-bank_account', account.slice(0, i));
    }
    // 19 keystrokes in well under half a second: at most the first is written at once.
    expect(writes() - before).toBeLessThanOrEqual(1);
    await waitFor(() => fake.storage.get(SUBSIDY_DRAFT).bank_account_tail === '2333', 'the last edit saved');
    expect(writes() - before).toBeLessThanOrEqual(3);
    const stored = JSON.stringify(fake.storage.get(SUBSIDY_DRAFT));
    expect(stored).not.toContain('62220000');
    expect(fake.storage.get(SUBSIDY_DRAFT).form.bank_account).toBe('');
  });

  test('the contact phone is optional: the bound phone is shown and nothing is sent for it', async () => {
    serveLoanSubmit();
    const page = await open({ policy: 'guaranteed_loan' });
    await settle(page, (p) => find(p, '#phone-on-file'), 'bound phone');
    expect(text(page, '#phone-on-file')).toContain('138****5678');
    await type(page, '#input-amount_yuan', '100000');
    await tap(page, '#term-12');
    await type(page, '#input-purpose', '买设备');
    await type(page, '#input-bank_name', '咸安农商银行');
    await type(page, '#input-bank_account', '622200001111');
    for (const kind of LOAN_REQUIRED) {
      // eslint-disable-next-line no-await-in-loop
      await upload(page, kind);
    }
    await submit(page);
    await settle(page, (p) => find(p, '#done'), 'done');
    const body = fake.calls('POST', '/api/v1/applications')[0].data;
    expect(body).not.toHaveProperty('contact_phone');
    expect(body).not.toHaveProperty('jobs_created');
    expect(body.term_months).toBe(12);
  });

  test('expired links of files uploaded earlier are renewed (GET /api/v1/uploads/{id}) before the preview', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    fake.route('GET', '/api/v1/applications/42', {
      statusCode: 200,
      data: application({
        status: 'returned',
        version: 5,
        attachments: [{
          id: 'att1', kind: 'id_front', url: '/files/att1?sig=old', url_expires_at: '2020-01-01T00:00:00Z', content_type: 'image/jpeg',
        }],
      }),
    });
    fake.route('GET', '/api/v1/uploads/att1', {
      statusCode: 200,
      data: {
        id: 'att1', kind: 'id_front', url: '/files/att1?sig=new', url_expires_at: '2099-01-01T00:00:00Z', content_type: 'image/jpeg',
      },
    });
    const page = await open({ id: '42' });

    await tap(page, '#file-u1 .thumb');
    await settle(page, () => fake.wx.previewImage.mock.calls.length === 1, 'preview');
    expect(fake.calls('GET', '/api/v1/uploads/att1')).toHaveLength(1);
    expect(fake.wx.previewImage.mock.calls[0][0].urls).toEqual(['http://127.0.0.1:8080/files/att1?sig=new']);
  });
});

describe('pages/apply: privacy and the phone', () => {
  test('the bank account is only sent after the privacy policy was accepted; 不同意 sends nothing', async () => {
    serveLoanSubmit();
    fake.storage.delete('privacy_accepted');
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [], privacy: { version: null, accepted_at: null, current: '2026-12-01' } } });
    fake.route('POST', '/api/v1/me/privacy-consent', { statusCode: 204 });
    const page = await openFilledLoan();
    expect(text(page, '#field-bank_account')).toContain('看看怎么保管');

    fake.wx.showModal.mockImplementation((opts) => setTimeout(() => opts.success({ confirm: false, cancel: true }), 0));
    await submit(page);
    await settle(page, (p) => find(p, '#submit-error'), 'declined');
    expect(text(page, '#submit-error')).toContain('没有同意隐私保护指引');
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(0);

    fake.wx.showModal.mockImplementation((opts) => setTimeout(() => opts.success({ confirm: true, cancel: false }), 0));
    await submit(page);
    await settle(page, (p) => find(p, '#done'), 'submitted');
    expect(fake.calls('POST', '/api/v1/me/privacy-consent')[0].data).toEqual({ version: VERSION });
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(1);
  });

  test('422 PRIVACY_CONSENT_REQUIRED asks again and says to tap once more', async () => {
    serveLoanSubmit();
    fake.route('POST', '/api/v1/applications',
      { statusCode: 422, data: envelope('PRIVACY_CONSENT_REQUIRED', '请先同意隐私政策') },
      { statusCode: 201, data: application({ version: 1 }) });
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [], privacy: { version: null, accepted_at: null, current: '2026-12-01' } } });
    fake.route('POST', '/api/v1/me/privacy-consent', { statusCode: 204 });
    const page = await openFilledLoan();

    await submit(page);
    await settle(page, (p) => find(p, '#submit-error'), 'asked again');
    expect(fake.calls('POST', '/api/v1/me/privacy-consent')).toHaveLength(1);
    expect(text(page, '#submit-error')).toContain('再点一次');
    await submit(page);
    await settle(page, (p) => find(p, '#done'), 'submitted');
  });

  test('no bound phone: the 绑定手机号 button; a failure that is not a refusal is not called a refusal', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: null, roles: [] } });
    const page = await open({ policy: 'startup_subsidy' });
    await settle(page, (p) => find(p, '#phone-binding >>> #bind-phone-btn'), 'bind button');
    expect(text(page, '#phone-none')).toContain('绑定微信手机号');

    await trigger(page, '#phone-binding >>> #bind-phone-btn', 'getphonenumber',
      { errMsg: 'getPhoneNumber:fail no permission', errno: 1400001 });
    expect(fake.wx.showToast).toHaveBeenCalledTimes(1);
    expect(fake.wx.showToast.mock.calls[0][0].title).not.toContain('取消授权');

    await trigger(page, '#phone-binding >>> #bind-phone-btn', 'getphonenumber', { errMsg: 'getPhoneNumber:fail user deny' });
    expect(fake.wx.showToast.mock.calls[1][0].title).toContain('取消授权');
  });
});

describe('pages/apply: a weak signal WeChat never reports as back', () => {
  // eslint-disable-next-line global-require
  const { withNetwork } = require('./helpers/network-wx');

  test('现在再试一次 sends the kept submission again (same key) without waiting for WeChat', async () => {
    serveLoanSubmit();
    const page = await openFilledLoan();
    const net = withNetwork(fake);
    Object.assign(global.wx, fake.wx);
    net.down();

    await submit(page);
    await settle(page, (p) => find(p, '#retry-now-btn'), 'waiting with a retry button');
    // Still no signal: tried again, still waiting, nothing lost.
    await tap(page, '#retry-now-btn');
    await simulate.sleep(20);
    expect(fake.calls('POST', '/api/v1/applications')).toHaveLength(2);
    expect(find(page, '#network-wait')).toBeTruthy();

    net.quietlyUp();
    await tap(page, '#retry-now-btn');
    await settle(page, (p) => find(p, '#done'), 'submitted');
    const keys = fake.calls('POST', '/api/v1/applications').map((c) => c.header['Idempotency-Key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(fake.calls('POST', '/api/v1/applications/42/submit')).toHaveLength(1);
  });
});
