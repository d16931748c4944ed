/**
 * 校友登记 (pages/alumnus) rendered with miniprogram-simulate: checks in
 * Chinese, the draft in storage, submitting, server errors and the status
 * banner of an existing record.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, pick,
} = require('./helpers/page');
const {
  serveAlumnus, ALUMNUS, ID_CARD, ID_MASKED,
} = require('./helpers/backend');
const { todayBeijing } = require('../lib/datetime');
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

const draft = () => fake.storage.get('alumnus_draft');
const thisYear = Number(todayBeijing().slice(0, 4));
// Index of a year in the pickers (newest first).
const yearIndex = (year) => thisYear - year;

async function open() {
  const page = mountPage('alumnus');
  await settle(page, (p) => find(p, '#submit-btn') || find(p, '#load-error'), 'form');
  return page;
}

async function fillValid(page) {
  await type(page, '#input-name', '李四');
  await type(page, '#input-id_card', ID_CARD);
  await pick(page, '#school-picker', 1);
  await pick(page, '#entry-year-picker', yearIndex(2005));
  await pick(page, '#grad-year-picker', yearIndex(2008));
  await type(page, '#input-current_city', '深圳市');
}

describe('pages/alumnus', () => {
  test('submitting an empty form names every missing field in Chinese and sends nothing', async () => {
    serveAlumnus(fake);
    const page = await open();

    expect(text(page, '#school-value')).toBe('请选择');
    await tap(page, '#submit-btn');

    expect(text(page, '#err-name')).toBe('请填写姓名');
    expect(text(page, '#err-id_card')).toBe('请填写身份证号');
    expect(text(page, '#err-school_code')).toBe('请选择毕业（就读）学校');
    expect(text(page, '#err-entry_year')).toBe('请选择入学年份');
    expect(text(page, '#err-graduation_year')).toBe('请选择毕业年份');
    expect(text(page, '#err-current_city')).toBe('请填写现居城市');
    expect(text(page, '#form-hint')).toBe('请先改正标红的内容');
    expect(fake.calls('PUT', '/api/v1/me/alumnus')).toHaveLength(0);
  });

  test('a wrong ID check digit and a graduation before entry are caught on the phone', async () => {
    serveAlumnus(fake);
    const page = await open();

    await type(page, '#input-id_card', '421202199001011233');
    expect(text(page, '#err-id_card')).toBe('身份证号有误，请逐位核对');

    await pick(page, '#entry-year-picker', yearIndex(2010));
    await pick(page, '#grad-year-picker', yearIndex(2008));
    expect(text(page, '#entry-year-value')).toBe('2010年');
    await tap(page, '#submit-btn');
    expect(text(page, '#err-graduation_year')).toBe('毕业年份不能早于入学年份');
  });

  test('every change is kept as a draft and restored when the page opens again', async () => {
    serveAlumnus(fake);
    const page = await open();
    await type(page, '#input-name', '李四');
    await pick(page, '#school-picker', 1);
    await tap(page, '#offer-investment');
    await tap(page, '#offer-advice');
    await tap(page, '#offer-investment');
    find(page, '#consent-switch').dispatchEvent('change', { detail: { value: true } });
    await settle(page, () => draft() && draft().form.directory_consent === true, 'consent saved');

    expect(draft().form).toMatchObject({
      name: '李四', school_code: 'xa2z', offers: ['advice'], directory_consent: true,
    });

    const again = await open();
    expect(find(again, '#draft-notice')).toBeTruthy();
    expect(again.instance.data.form.name).toBe('李四');
    expect(text(again, '#school-value')).toBe('咸安区第二中学');
    expect(find(again, '#offer-advice').dom.className).toContain('chip-on');
    expect(find(again, '#offer-investment').dom.className).not.toContain('chip-on');

    fake.wx.showModal.mockImplementationOnce((opts) => opts.success({ confirm: true }));
    await tap(again, '#discard-draft');
    await settle(again, (p) => find(p, '#submit-btn') && !find(p, '#draft-notice'), 'cleared');
    expect(draft()).toBeUndefined();
    expect(text(again, '#school-value')).toBe('请选择');
  });

  test('a valid form is PUT whole; the draft goes and the status shows 待审核', async () => {
    serveAlumnus(fake);
    fake.route('PUT', '/api/v1/me/alumnus', {
      statusCode: 200,
      data: Object.assign({}, ALUMNUS, { status: 'pending', grade_name: '' }),
    });
    const page = await open();
    await fillValid(page);
    await tap(page, '#offer-projects');
    await tap(page, '#offer-talent');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');

    const [call] = fake.calls('PUT', '/api/v1/me/alumnus');
    expect(call.data).toEqual({
      name: '李四',
      id_card: ID_CARD,
      school_code: 'xa2z',
      entry_year: 2005,
      graduation_year: 2008,
      current_city: '深圳市',
      organization: '',
      industry: '',
      title: '',
      expertise: '',
      offers: ['talent', 'projects'],
      directory_consent: false,
    });
    expect(text(page, '#done-title')).toBe('登记已提交');
    expect(text(page, '#done-status')).toBe('待审核');
    expect(draft()).toBeUndefined();
    expect(fake.storage.get('alumnus_id_card')).toBe(ID_CARD);
  });

  test('server errors land under their field; a network failure keeps the draft', async () => {
    serveAlumnus(fake);
    fake.route('PUT', '/api/v1/me/alumnus',
      { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 409, data: envelope('PERSON_ALREADY_REGISTERED', '该身份证号已被其他微信账号登记') },
      { statusCode: 422, data: { error: { code: 'FIELD_TOO_LONG', message: '工作单位太长了', field: 'organization' } } });
    const page = await open();
    await fillValid(page);

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'network');
    expect(text(page, '#submit-error')).toContain('网络不给力');
    expect(draft().form.name).toBe('李四');

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#err-id_card'), 'id error');
    expect(text(page, '#err-id_card')).toBe('该身份证号已被其他微信账号登记');

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#err-organization'), 'field error');
    expect(text(page, '#err-organization')).toBe('工作单位太长了');
    expect(draft().form.name).toBe('李四');
  });

  test('PHONE_NOT_BOUND shows the bind button', async () => {
    serveAlumnus(fake);
    fake.route('PUT', '/api/v1/me/alumnus', { statusCode: 422, data: envelope('PHONE_NOT_BOUND', '请先绑定手机号') });
    const page = await open();
    await fillValid(page);
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#phone-prompt'), 'phone prompt');
    expect(text(page, '#submit-error')).toBe('请先绑定手机号');
  });

  test('an approved record shows 已通过 with the grade and asks for the ID again when the phone does not know it', async () => {
    serveAlumnus(fake, { record: ALUMNUS });
    const page = await open();

    expect(text(page, '#status-label')).toBe('已通过');
    expect(text(page, '#status-grade')).toBe('专家库成员');
    expect(text(page, '#school-value')).toBe('咸安区第一中学');
    expect(text(page, '#entry-year-value')).toBe('2005年');
    expect(text(page, '#submit-btn')).toBe('提交修改');
    expect(text(page, '#id-retype-hint')).toContain(ID_MASKED);
    expect(find(page, '#offer-talent').dom.className).toContain('chip-on');

    await type(page, '#input-id_card', '110101199003074514');
    await tap(page, '#submit-btn');
    expect(text(page, '#err-id_card')).toBe(`与登记的身份证号（${ID_MASKED}）不一致，请核对`);
  });

  test('the ID typed at 返乡登记 unlocks the edit form; pending and rejected read plainly', async () => {
    fake.storage.set('returnee_id_card', ID_CARD);
    serveAlumnus(fake, { record: Object.assign({}, ALUMNUS, { status: 'rejected', grade_name: '' }) });
    const page = await open();
    expect(text(page, '#id-card-locked')).toBe(ID_MASKED);
    expect(text(page, '#status-label')).toBe('未通过');
    expect(find(page, '#status-grade')).toBeFalsy();
  });

  test('without the network and no school list cached, the page offers a retry', async () => {
    fake.route('GET', '/api/v1/schools', { fail: { errMsg: 'request:fail' } });
    fake.route('GET', '/api/v1/me/alumnus', { statusCode: 404, data: envelope('NOT_REGISTERED', '未登记') });
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678' } });
    const page = await open();
    expect(text(page, '#error-message')).toBe(MESSAGES.NETWORK);
    expect(find(page, '#retry-btn')).toBeTruthy();
  });
});
