/**
 * lib/application-form.js and lib/application-view.js: checks, the API body,
 * merging edits after a stale version, and the readable views.
 */
const model = require('../lib/application-form');
const view = require('../lib/application-view');
const { SUBSIDY, LOAN } = require('./helpers/backend');

const filledLoan = (overrides) => Object.assign(model.emptyForm(), {
  amount_yuan: '100000',
  term_months: '36',
  purpose: '开茶叶店',
  bank_name: '农商银行',
  bank_account: '6222000011111234',
  contact_phone: '138 1234 5678',
  jobs_created: '0',
}, overrides);

describe('application form checks', () => {
  test('a complete loan form passes; the subsidy ignores the loan fields', () => {
    expect(model.validateForm(filledLoan(), { policy: LOAN, requireAll: true })).toEqual({});
    const subsidy = filledLoan({ amount_yuan: '', term_months: '', purpose: '' });
    expect(model.validateForm(subsidy, { policy: SUBSIDY, requireAll: true })).toEqual({});
  });

  test('a draft may be half filled, but what is there must be right', () => {
    const form = Object.assign(model.emptyForm(), { contact_phone: '12345', bank_account: '6222-abc' });
    expect(model.validateForm(form, { policy: LOAN })).toEqual({
      contact_phone: '请填写11位手机号，例如：13812345678',
      bank_account: '银行账号只能填数字，请对照银行卡或存折核对',
    });
  });

  test('enterprise borrowers need the name and a valid credit code; the cap follows the type', () => {
    const form = filledLoan({ borrower_type: 'enterprise', amount_yuan: '4000000' });
    expect(model.validateForm(form, { policy: LOAN, requireAll: true })).toEqual({
      enterprise_name: '请填写企业名称',
      enterprise_uscc: '请填写统一社会信用代码',
    });
    expect(model.fieldError('amount_yuan', filledLoan({ amount_yuan: '4000000' }), { policy: LOAN }))
      .toBe('个人最多可以申请 300,000 元（30万元），请改小一些');
    expect(model.fieldError('enterprise_uscc', filledLoan({ borrower_type: 'enterprise', enterprise_uscc: '91421202MA4A00001' }),
      { policy: LOAN })).toBe('统一社会信用代码应为18位，现在是17位');
  });

  test('the account may stay empty when one is on file', () => {
    const form = filledLoan({ bank_account: '' });
    expect(model.fieldError('bank_account', form, { policy: LOAN, requireAll: true })).toBe('请填写银行账号');
    expect(model.fieldError('bank_account', form, { policy: LOAN, requireAll: true, bankAccountOnFile: '6222****1234' }))
      .toBe('');
    expect(model.fieldError('bank_account', filledLoan({ bank_account: '1234' }), { policy: LOAN }))
      .toBe('银行账号应为12到30位数字（现在是4位），请对照银行卡或存折核对');
  });

  test('required materials need an uploaded file of their kind', () => {
    const files = [{ kind: 'id_front', id: 'u1' }, { kind: 'id_back', id: '' }];
    expect(model.materialErrors(SUBSIDY.materials, files)).toEqual({
      business_licence: '请上传营业执照',
      id_back: '请上传身份证国徽面',
    });
  });
});

describe('the API body', () => {
  test('loan: yuan to fen, numbers as numbers, spaces gone, empty fields left out', () => {
    const body = model.toBody(filledLoan({ bank_name: ' 农商银行 ', jobs_created: '' }), LOAN, {
      attachments: ['a', 'b'], create: true,
    });
    expect(body).toEqual({
      policy: 'guaranteed_loan',
      borrower_type: 'individual',
      amount_fen: 10000000,
      term_months: 36,
      purpose: '开茶叶店',
      bank_name: '农商银行',
      bank_account: '6222000011111234',
      contact_phone: '13812345678',
      attachments: ['a', 'b'],
    });
  });

  test('enterprise fields only for enterprises, the credit code upper-cased', () => {
    const body = model.toBody(filledLoan({
      borrower_type: 'enterprise', enterprise_name: '张三茶叶有限公司', enterprise_uscc: '91421202ma4a000013',
    }), LOAN, {});
    expect(body).toMatchObject({ enterprise_name: '张三茶叶有限公司', enterprise_uscc: '91421202MA4A000013' });
    expect(body.policy).toBeUndefined();
    const individual = model.toBody(filledLoan({ enterprise_name: '不该发送' }), LOAN, {});
    expect(individual.enterprise_name).toBeUndefined();
  });

  test('an update is a merge patch: emptied fields go as null, the masked account and phone stay out', () => {
    const body = model.toBody(filledLoan({
      purpose: '', jobs_created: '', term_months: '', bank_account: '', contact_phone: '',
    }), LOAN, { attachments: [] });
    expect(body).toMatchObject({ purpose: null, jobs_created: null, term_months: null, bank_name: expect.any(String) });
    expect(body).not.toHaveProperty('bank_account');
    expect(body).not.toHaveProperty('contact_phone');
    const created = model.toBody(filledLoan({ purpose: '', jobs_created: '' }), LOAN, { create: true });
    expect(created).not.toHaveProperty('purpose');
    expect(created).not.toHaveProperty('jobs_created');
  });

  test('from an application: amount back in yuan, masked values left empty', () => {
    const form = model.formFromApplication({
      amount_fen: 12345678, term_months: 12, bank_account: '6222****1234', contact_phone: '138****5678', jobs_created: 0,
    });
    expect(form).toMatchObject({
      amount_yuan: '123456.78', term_months: '12', bank_account: '', contact_phone: '', jobs_created: '0',
    });
  });

  test('after a stale version: the user\'s changes win, untouched fields take the new value', () => {
    const base = filledLoan();
    const mine = filledLoan({ bank_name: '我改的' });
    const theirs = filledLoan({ bank_name: '别人改的', purpose: '别人改的用途' });
    expect(model.mergeEdits(base, mine, theirs)).toMatchObject({ bank_name: '我改的', purpose: '别人改的用途' });
  });

  test('server field names map to form keys', () => {
    expect(model.formKeyOfServerField('amount_fen')).toBe('amount_yuan');
    expect(model.formKeyOfServerField('bank_account')).toBe('bank_account');
    expect(model.formKeyOfServerField('attachments')).toBe('');
    expect(model.serverFieldOf('amount_yuan')).toBe('amount_fen');
  });
});

describe('readable views', () => {
  test('statuses in plain words; what can be done in each', () => {
    expect(view.statusLabel('township_approved')).toBe('乡镇已通过（待区级审核）');
    expect(view.statusLabel('disbursed')).toBe('已发放');
    expect(['draft', 'returned'].every(view.isEditable)).toBe(true);
    expect(view.isEditable('submitted')).toBe(false);
    expect(view.canWithdraw('submitted')).toBe(true);
    expect(view.canWithdraw('township_approved')).toBe(false);
  });

  test('the timeline is newest first whatever order it comes in', () => {
    const timeline = view.timelineView([
      { at: '2026-11-20T02:00:00Z', to: 'submitted' },
      { at: '2026-11-22T02:00:00Z', to: 'township_approved', actor: '乡镇审核' },
      { at: '2026-11-19T02:00:00Z', to: 'draft' },
    ]);
    expect(timeline.map((t) => t.to)).toEqual(['township_approved', 'submitted', 'draft']);
    expect(timeline[0]).toMatchObject({ time: '2026年11月22日 10:00', actor: '乡镇审核', tone: 'blue' });
  });

  test('the last return gives the comments by field', () => {
    const ret = view.lastReturn({
      status: 'returned',
      timeline: [
        { at: '2026-11-20T02:00:00Z', to: 'returned', comment: '旧的', field_comments: { purpose: '写具体些' } },
        { at: '2026-11-25T02:00:00Z', to: 'returned', comment: '新的', field_comments: { bank_account: '账号不对' } },
      ],
    });
    expect(ret).toMatchObject({ comment: '新的', fieldComments: { bank_account: '账号不对' } });
    expect(view.lastReturn({ status: 'submitted', timeline: [] })).toBeNull();
  });

  test('message links: our pages, old names of the detail page, or the application referred to', () => {
    expect(view.messageUrl({ page: 'pages/application/application?id=42' })).toBe('/pages/application/application?id=42');
    expect(view.messageUrl({ page: '/pages/applications/detail?id=42' })).toBe('/pages/application/application?id=42');
    expect(view.messageUrl({ page: 'pages/nowhere/x', ref_type: 'application', ref_id: 7 }))
      .toBe('/pages/application/application?id=7');
    expect(view.messageUrl({ page: '' })).toBe('');
  });
});

describe('the limits are the server\'s (internal/application/service.go)', () => {
  test('bank account 12-30 digits, purpose 500, bank name 64, enterprise name 100, jobs 0-100000', () => {
    const ctx = { policy: LOAN };
    expect(model.fieldError('bank_account', filledLoan({ bank_account: '12345678901' }), ctx)).toMatch(/12到30位/);
    expect(model.fieldError('bank_account', filledLoan({ bank_account: '123456789012' }), ctx)).toBe('');
    expect(model.fieldError('bank_account', filledLoan({ bank_account: '1'.repeat(30) }), ctx)).toBe('');
    expect(model.fieldError('bank_account', filledLoan({ bank_account: '1'.repeat(31) }), ctx)).toMatch(/12到30位/);
    expect(model.fieldError('purpose', filledLoan({ purpose: '字'.repeat(500) }), ctx)).toBe('');
    expect(model.fieldError('bank_name', filledLoan({ bank_name: '行'.repeat(64) }), ctx)).toBe('');
    expect(model.fieldError('bank_name', filledLoan({ bank_name: '行'.repeat(65) }), ctx)).toBe('最多64个字，已超出1个字');
    expect(model.fieldError('jobs_created', filledLoan({ jobs_created: '100000' }), ctx)).toBe('');
    expect(model.fieldError('jobs_created', filledLoan({ jobs_created: '100001' }), ctx)).toBe('带动就业人数请填0到100000之间的整数');
  });

  test('contact phone and jobs created are optional, as on the server', () => {
    const form = filledLoan({ contact_phone: '', jobs_created: '' });
    expect(model.validateForm(form, { policy: LOAN, requireAll: true })).toEqual({});
  });

  test('text typed past a limit is cut there, and the message names the limit', () => {
    expect(model.limitTyped('bank_name', '行'.repeat(70))).toEqual({
      value: '行'.repeat(64), refused: '开户银行最多64个字，多出的字没有填进去',
    });
    expect(model.limitTyped('purpose', '买'.repeat(501)).refused).toBe('贷款用途最多500个字，多出的字没有填进去');
    expect(model.limitTyped('purpose', '买'.repeat(500))).toEqual({ value: '买'.repeat(500), refused: '' });
    // Spaces between the groups of digits do not count.
    const typed = '6222 0000 1111 2222 3333 4444 5555 666';
    expect(model.limitTyped('bank_account', typed)).toEqual({
      value: '6222 0000 1111 2222 3333 4444 5555 66', refused: '银行账号最多30位数字，多出的数字没有填进去',
    });
    expect(model.limitTyped('bank_account', '6222 0000 1111 1234')).toEqual({ value: '6222 0000 1111 1234', refused: '' });
  });
});
