/**
 * 创业扶持 (pages/policies): policy cards with amounts and caps in yuan, the
 * materials, and the eligibility reasons with a way to fix them; 申请 only
 * when eligible.
 */
const { createFakeWx } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, simulate,
} = require('./helpers/page');
const {
  SUBSIDY, LOAN, policy, policiesBody,
} = require('./helpers/backend');

const { MESSAGES } = require('../api/request');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(async () => {
  // Let answers still on their way land in this test's fake, not the next one's.
  await simulate.sleep(20);
  global.wx = simulateWx;
});

async function open() {
  const page = mountPage('policies');
  // The slot's nodes exist while state-view still shows 正在加载: wait for it to go.
  await settle(page, (p) => text(p, '#state') !== '正在加载，请稍候…' && (find(p, '#my-applications-btn') || find(p, '#state >>> #state-error')), 'policies');
  return page;
}

describe('pages/policies', () => {
  test('cards: amount, caps with 万元, times, materials; 申请 opens the form', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody());
    const page = await open();

    const subsidy = text(page, '#policy-startup_subsidy');
    expect(subsidy).toContain('一次性创业补贴');
    expect(subsidy).toContain('补贴金额：5,000 元');
    expect(subsidy).toContain('每人只能享受1次');
    expect(text(page, '#materials-startup_subsidy')).toContain('营业执照必须');
    expect(text(page, '#materials-startup_subsidy')).toContain('其他材料选交');

    const loan = text(page, '#policy-guaranteed_loan');
    expect(loan).toContain('个人最高：300,000 元（30万元）');
    expect(loan).toContain('小微企业最高：5,000,000 元（500万元）');
    expect(loan).toContain('每人最多3次，您已获得1次');

    expect(text(page, '#eligible-startup_subsidy')).toBe('✓ 您符合申请条件');
    await tap(page, '#apply-guaranteed_loan');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({
      url: '/pages/apply/apply?policy=guaranteed_loan',
    }));
  });

  test('not eligible: the reasons in plain words with a button to fix them, and no 申请', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody([
      policy(SUBSIDY, {
        eligibility: {
          eligible: false,
          reasons: [
            { code: 'NOT_REGISTERED', message: '请先完成返乡登记' },
            { code: 'BUSINESS_TOO_OLD', message: '' },
          ],
        },
      }),
      policy(LOAN, {
        used_times: 3,
        eligibility: { eligible: false, reasons: [{ code: 'LOAN_LIMIT_REACHED', message: '已获得3次贷款，达到上限' }] },
      }),
    ]));
    const page = await open();

    expect(find(page, '#apply-startup_subsidy')).toBeFalsy();
    expect(text(page, '#reason-startup_subsidy-NOT_REGISTERED')).toBe('请先完成返乡登记');
    expect(text(page, '#reason-startup_subsidy-BUSINESS_TOO_OLD')).toBe('营业执照登记时间超过了申请期限');
    expect(find(page, '#fix-startup_subsidy-BUSINESS_TOO_OLD')).toBeFalsy();
    expect(text(page, '#fix-startup_subsidy-NOT_REGISTERED')).toBe('去返乡登记');
    await tap(page, '#fix-startup_subsidy-NOT_REGISTERED');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/register/register' }));

    expect(find(page, '#apply-guaranteed_loan')).toBeFalsy();
    expect(text(page, '#reason-guaranteed_loan-LOAN_LIMIT_REACHED')).toBe('已获得3次贷款，达到上限');
    await tap(page, '#fix-guaranteed_loan-LOAN_LIMIT_REACHED');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({
      url: '/pages/applications/applications',
    }));
  });

  test('a draft on the phone turns 申请 into 继续填写申请; a closed policy says so', async () => {
    fake.storage.set('application_draft_startup_subsidy', { form: { bank_name: '农商银行' } });
    fake.route('GET', '/api/v1/policies', policiesBody([SUBSIDY, policy(LOAN, { open: false })]));
    const page = await open();

    expect(text(page, '#apply-startup_subsidy')).toBe('继续填写申请');
    expect(text(page, '#closed-guaranteed_loan')).toBe('这项政策暂未开放申请。');
    expect(find(page, '#apply-guaranteed_loan')).toBeFalsy();
  });

  test('offline: the last good answer is shown and marked as possibly old', async () => {
    fake.route('GET', '/api/v1/policies', policiesBody(), { fail: { errMsg: 'request:fail timeout' } });
    const first = await open();
    expect(find(first, '#cached-note')).toBeFalsy();
    first.detach();

    const page = await open();
    expect(text(page, '#cached-note')).toContain('显示的是上次加载的内容');
    expect(text(page, '#policy-startup_subsidy')).toContain('一次性创业补贴');
  });

  test('a failed load offers a retry', async () => {
    fake.route('GET', '/api/v1/policies', { fail: { errMsg: 'request:fail' } }, policiesBody());
    const page = await open();
    expect(text(page, '#state >>> #state-message')).toBe(MESSAGES.NETWORK);
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#policy-guaranteed_loan'), 'loaded');
  });
});
