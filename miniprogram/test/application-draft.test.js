/**
 * lib/application-draft.js: the bank account never on the phone in clear
 * (only its last 4 digits), and the body of an unanswered create rebuilt
 * byte for byte once the account is typed again; lib/application-fields.js:
 * what typing does.
 */
const { createFakeWx } = require('./helpers/fake-wx');

let fake;
let drafts;
let fields;

beforeEach(() => {
  jest.resetModules();
  fake = createFakeWx({ token: 'tok' });
  global.wx = fake.wx;
  drafts = require('../lib/application-draft');
  fields = require('../lib/application-fields');
});

afterEach(() => {
  delete global.wx;
});

const BODY = {
  policy: 'startup_subsidy', bank_name: '农商银行', bank_account: '6222000011111234', contact_phone: '13812345678', attachments: ['a'],
};

describe('lib/application-draft', () => {
  test('write() keeps the last 4 digits of the account, in the form and in the waiting body', () => {
    drafts.write('application_draft_startup_subsidy', {
      form: { bank_name: '农商银行', bank_account: '6222 0000 1111 1234' },
      pending_create: BODY,
      idempotency_key: 'k',
    });
    const stored = fake.storage.get('application_draft_startup_subsidy');
    expect(JSON.stringify(stored)).not.toMatch(/6222\s?0000/);
    expect(stored.form.bank_account).toBe('');
    expect(stored.bank_account_tail).toBe('1234');
    expect(stored.pending_create.bank_account).toBe('****1234');
    // Same keys in the same order: the rebuilt body is the same bytes.
    expect(Object.keys(stored.pending_create)).toEqual(Object.keys(BODY));
  });

  test('the tail survives a save made before the account is typed again', () => {
    const key = 'application_draft_guaranteed_loan';
    drafts.write(key, { form: { bank_account: '6222000011111234' } });
    drafts.write(key, Object.assign({}, drafts.read(key), { form: { bank_account: '' } }));
    expect(drafts.read(key).bank_account_tail).toBe('1234');
  });

  test('the waiting body is rebuilt exactly when the account typed again ends the same', () => {
    const kept = drafts.forStorage({ pending_create: BODY }).pending_create;
    const again = drafts.restoreBankAccount(kept, '6222 0000 1111 1234');
    expect(JSON.stringify(again)).toBe(JSON.stringify(BODY));
    expect(drafts.restoreBankAccount(kept, '6222000011119999')).toBeNull();
    expect(drafts.restoreBankAccount(kept, '')).toBeNull();
    // A body still in memory (never masked) is used as it is.
    expect(drafts.restoreBankAccount(BODY, '')).toBe(BODY);
    const noAccount = { policy: 'x', attachments: [] };
    expect(drafts.restoreBankAccount(noAccount, '')).toBe(noAccount);
  });
});

describe('lib/application-fields', () => {
  test('typing sets the value, the counter, clears the message; the amount is checked at once', () => {
    const change = fields.typed({}, 'amount_yuan', '1000');
    expect(change.update).toMatchObject({ 'form.amount_yuan': '1000', 'errors.amount_yuan': '', formHint: '', submitError: '' });
    expect(change.check).toBe(true);
    expect(fields.typed({}, 'bank_name', '农商').update['counts.bank_name']).toBe(2);
    expect(fields.typed({}, 'enterprise_uscc', '9142').check).toBe(false);
    expect(fields.typed({}, 'enterprise_uscc', '91421202MA4A000013').check).toBe(true);
  });

  test('text past the limit is cut and the message is shown instead of clearing it', () => {
    const change = fields.typed({}, 'bank_name', '行'.repeat(65));
    expect(change.update['form.bank_name']).toBe('行'.repeat(64));
    expect(change.update['errors.bank_name']).toBe('开户银行最多64个字，多出的字没有填进去');
    expect(change.check).toBe(false);
  });

  test('termIndex finds the chosen term', () => {
    expect(fields.termIndex('24')).toBe(1);
    expect(fields.termIndex('')).toBe(-1);
  });
});
