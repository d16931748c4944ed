/**
 * 校友登记 (pages/alumnus) rendered with miniprogram-simulate and TDesign:
 * the server's checks in Chinese (毕业年份 and 现居城市 optional), the
 * draft in storage (never with the ID number), the privacy consent,
 * submitting, server errors and the status banner of an existing record.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, trigger, confirmDialog, simulate,
} = require('./helpers/page');
const {
  serveAlumnus, ALUMNUS, ID_CARD, ID_MASKED,
} = require('./helpers/backend');
const { todayBeijing } = require('../lib/datetime');
const { MESSAGES } = require('../api/request');
const { VERSION } = require('../lib/privacy');

const simulateWx = global.wx;
let fake;
let opened = [];

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
  // The privacy policy was accepted earlier (the consent test undoes this).
  fake.storage.set('privacy_accepted', VERSION);
});

// Pages still open are closed here, so a draft write they owe stays in their own test.
afterEach(() => {
  opened.forEach((page) => {
    try {
      page.detach();
    } catch (e) {
      // already closed by the test
    }
  });
  opened = [];
  global.wx = simulateWx;
});

const draft = () => fake.storage.get('alumnus_draft');
const everythingStored = () => JSON.stringify(Array.from(fake.storage.entries()));
const thisYear = Number(todayBeijing().slice(0, 4));

async function open() {
  const page = mountPage('alumnus');
  opened.push(page);
  await settle(page, (p) => p.instance.data.status !== 'loading', 'form');
  return page;
}

/** The user picks `value` in the t-picker at `selector` and taps 确定. */
async function choose(page, selector, value, label) {
  find(page, selector)._exparserNode.triggerEvent('confirm', { value: [value], label: [label || value] });
  await simulate.sleep(0);
}

async function fillRequired(page) {
  await type(page, '#input-name', '李四');
  await type(page, '#input-id_card', ID_CARD);
  await tap(page, '#school-cell');
  await choose(page, '#school-picker', 'xa2z', '咸安区第二中学');
  await tap(page, '#entry-year-cell');
  await choose(page, '#entry-year-picker', '2005', '2005年');
}

describe('pages/alumnus', () => {
  test('an empty form names what is missing; 毕业年份 and 现居城市 are optional as on the server', async () => {
    serveAlumnus(fake);
    const page = await open();

    expect(text(page, '#school-cell')).toContain('请选择');
    expect(text(page, '#field-graduation_year')).toContain('选填');
    expect(text(page, '#field-current_city')).toContain('选填');
    await tap(page, '#submit-btn');

    expect(text(page, '#err-name')).toBe('请填写姓名');
    expect(text(page, '#err-id_card')).toBe('请填写身份证号');
    expect(text(page, '#err-school_code')).toBe('请选择毕业（就读）学校');
    expect(text(page, '#err-entry_year')).toBe('请选择入学年份');
    expect(find(page, '#err-graduation_year')).toBeFalsy();
    expect(find(page, '#err-current_city')).toBeFalsy();
    expect(text(page, '#form-hint')).toBe('请先改正标红的内容');
    expect(fake.calls('PUT', '/api/v1/me/alumnus')).toHaveLength(0);
  });

  test('the privacy notice comes right before the ID number field', async () => {
    serveAlumnus(fake);
    const page = await open();
    const field = find(page, '#field-id_card').dom.innerHTML;
    expect(text(page, '#id-privacy')).toContain('身份证号');
    expect(field.indexOf('privacy-notice')).toBeGreaterThan(-1);
    expect(field.indexOf('privacy-notice')).toBeLessThan(field.indexOf('t-input'));
  });

  test('only the required fields filled: the form is sent, without 毕业年份 and 现居城市', async () => {
    serveAlumnus(fake);
    fake.route('PUT', '/api/v1/me/alumnus', {
      statusCode: 200, data: Object.assign({}, ALUMNUS, { status: 'pending', grade_name: '' }),
    });
    const page = await open();
    await fillRequired(page);
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');

    const [call] = fake.calls('PUT', '/api/v1/me/alumnus');
    expect(call.data).toMatchObject({ graduation_year: null, current_city: '', entry_year: 2005 });
  });

  test('years and names are checked as the server does, with the limit in the message', async () => {
    serveAlumnus(fake);
    const page = await open();

    await type(page, '#input-id_card', '421202199001011233');
    expect(text(page, '#err-id_card')).toBe('身份证号有误，请逐位核对');
    await type(page, '#input-id_card', ID_CARD); // born 1990
    await type(page, '#input-name', '李');

    await choose(page, '#entry-year-picker', '1992', '1992年');
    await tap(page, '#submit-btn');
    expect(text(page, '#err-name')).toBe('姓名至少2个字');
    expect(text(page, '#err-entry_year')).toBe('入学年份不能早于1993年（出生后3年），请核对');

    await choose(page, '#entry-year-picker', '2010', '2010年');
    expect(text(page, '#entry-year-cell')).toContain('2010年');
    await choose(page, '#grad-year-picker', '2008', '2008年');
    await tap(page, '#submit-btn');
    expect(text(page, '#err-graduation_year')).toBe('毕业年份不能早于入学年份');

    await choose(page, '#grad-year-picker', '2023', '2023年');
    await tap(page, '#submit-btn');
    expect(text(page, '#err-graduation_year')).toBe('毕业年份最多比入学年份晚12年，请核对');

    // A student may pick a year ahead, as far as the server allows.
    const years = page.instance.data.pickers.graduation.map((o) => o.value);
    expect(years[0]).toBe(String(thisYear + 6));
    await tap(page, '#grad-clear');
    expect(text(page, '#grad-year-cell')).toContain('请选择');

    await type(page, '#input-current_city', '城'.repeat(33));
    find(page, '#input-current_city')._exparserNode.triggerEvent('blur', { value: '城'.repeat(33) });
    await simulate.sleep(0);
    expect(text(page, '#err-current_city')).toBe('最多32个字，已超出1个字');
  });

  test('the draft survives closing the page, without the ID number', async () => {
    serveAlumnus(fake);
    const page = await open();
    await type(page, '#input-name', '李四');
    await type(page, '#input-id_card', ID_CARD);
    await tap(page, '#school-cell');
    await choose(page, '#school-picker', 'xa2z', '咸安区第二中学');
    await tap(page, '#offer-investment');
    await tap(page, '#offer-advice');
    await tap(page, '#offer-investment');
    find(page, '#consent-switch')._exparserNode.triggerEvent('change', { value: true });
    await simulate.sleep(0);
    page.detach(); // closed at once: the last edit is still written

    expect(draft().form).toMatchObject({
      name: '李四', school_code: 'xa2z', offers: ['advice'], directory_consent: true, id_card: '',
    });
    expect(everythingStored()).not.toContain(ID_CARD);

    const again = await open();
    expect(find(again, '#draft-notice')).toBeTruthy();
    expect(again.instance.data.form.name).toBe('李四');
    expect(again.instance.data.form.id_card).toBe('');
    expect(text(again, '#id-retype-hint')).toContain(`请再输入一次（${ID_MASKED}）`);
    expect(text(again, '#school-cell')).toContain('咸安区第二中学');
    expect(again.instance.data.form.offers).toEqual(['advice']);

    await tap(again, '#discard-draft');
    await confirmDialog(again, '#discard-dialog');
    await settle(again, (p) => p.instance.data.status === 'ready' && !find(p, '#draft-notice'), 'cleared');
    expect(draft()).toBeUndefined();
    expect(text(again, '#school-cell')).toContain('请选择');
  });

  test('a valid form is PUT whole after the privacy consent; the draft goes and the status shows 待审核', async () => {
    fake.storage.delete('privacy_accepted');
    serveAlumnus(fake);
    fake.route('POST', '/api/v1/me/privacy-consent', { statusCode: 204, data: '' });
    fake.route('PUT', '/api/v1/me/alumnus', {
      statusCode: 200,
      data: Object.assign({}, ALUMNUS, { status: 'pending', grade_name: '' }),
    });
    const page = await open();
    await fillRequired(page);
    await choose(page, '#grad-year-picker', '2008', '2008年');
    await type(page, '#input-current_city', '深圳市');
    await tap(page, '#offer-projects');
    await tap(page, '#offer-talent');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');

    expect(fake.wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ title: '保护您的个人信息' }));
    expect(fake.calls('POST', '/api/v1/me/privacy-consent')[0].data).toEqual({ version: VERSION });
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
    await simulate.sleep(600);
    expect(draft()).toBeUndefined();
    expect(everythingStored()).not.toContain(ID_CARD);
  });

  test('a 422 PRIVACY_CONSENT_REQUIRED asks for the consent instead of showing an error', async () => {
    serveAlumnus(fake);
    fake.route('POST', '/api/v1/me/privacy-consent', { statusCode: 204, data: '' });
    fake.route('PUT', '/api/v1/me/alumnus',
      { statusCode: 422, data: envelope('PRIVACY_CONSENT_REQUIRED', '请先同意隐私政策') },
      { statusCode: 200, data: Object.assign({}, ALUMNUS, { status: 'pending' }) });
    const page = await open();
    await fillRequired(page);
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ title: '保护您的个人信息' }));
    expect(fake.calls('PUT', '/api/v1/me/alumnus')).toHaveLength(2);
  });

  test('server errors land under their field; a network failure keeps the form', async () => {
    serveAlumnus(fake);
    fake.route('PUT', '/api/v1/me/alumnus',
      { fail: { errMsg: 'request:fail timeout' } },
      { statusCode: 409, data: envelope('PERSON_ALREADY_REGISTERED', '该身份证号已被其他微信账号登记') },
      { statusCode: 422, data: { error: { code: 'FIELD_TOO_LONG', message: '工作单位太长了', field: 'organization' } } });
    const page = await open();
    await fillRequired(page);

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'network');
    expect(text(page, '#submit-error')).toContain('没有连上网络，登记还没有提交');
    page.instance.onHide();
    expect(draft().form.name).toBe('李四');

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#err-id_card'), 'id error');
    expect(text(page, '#err-id_card')).toBe('该身份证号已被其他微信账号登记');

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#err-organization'), 'field error');
    expect(text(page, '#err-organization')).toBe('工作单位太长了');
  });

  test('without a bound phone: phone-binding first; PHONE_NOT_BOUND brings it back', async () => {
    serveAlumnus(fake, { phone: null });
    fake.route('POST', '/api/v1/me/phone', { statusCode: 200, data: { phone: '138****5678' } });
    fake.route('PUT', '/api/v1/me/alumnus', { statusCode: 422, data: envelope('PHONE_NOT_BOUND', '请先绑定手机号') });
    const page = await open();
    await fillRequired(page);

    await tap(page, '#submit-btn');
    expect(text(page, '#submit-error')).toBe('提交前请先绑定手机号，方便工作人员联系您');
    await trigger(page, '#binding >>> #bind-phone-btn', 'getphonenumber', { errMsg: 'getPhoneNumber:ok', code: 'c-1' });
    await settle(page, (p) => !find(p, '#phone-prompt'), 'bound');
    expect(text(page, '#bound-phone')).toContain('138****5678');

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#phone-prompt'), 'phone prompt');
    expect(text(page, '#submit-error')).toBe('请先绑定手机号');
  });

  test('an approved record shows 已通过 with the grade and asks for the ID number again', async () => {
    fake.storage.set('alumnus_id_card', ID_CARD); // kept by an earlier version
    serveAlumnus(fake, { record: ALUMNUS });
    const page = await open();

    expect(fake.storage.has('alumnus_id_card')).toBe(false);
    expect(text(page, '#status-label')).toBe('已通过');
    expect(text(page, '#status-grade')).toBe('专家库成员');
    expect(text(page, '#school-cell')).toContain('咸安区第一中学');
    expect(text(page, '#entry-year-cell')).toContain('2005年');
    expect(text(page, '#submit-btn')).toBe('提交修改');
    expect(text(page, '#id-retype-hint')).toContain(ID_MASKED);
    expect(page.instance.data.form.offers).toEqual(['talent', 'advice']);

    await type(page, '#input-id_card', '110101199003074514');
    await tap(page, '#submit-btn');
    expect(text(page, '#err-id_card')).toBe(`与登记的身份证号（${ID_MASKED}）不一致，请核对`);
  });

  test('pending and rejected read plainly', async () => {
    serveAlumnus(fake, { record: Object.assign({}, ALUMNUS, { status: 'rejected', grade_name: '' }) });
    const page = await open();
    expect(text(page, '#status-label')).toBe('未通过');
    expect(find(page, '#status-grade')).toBeFalsy();
  });

  test('without the network and no school list cached, the page offers a retry', async () => {
    fake.route('GET', '/api/v1/schools', { fail: { errMsg: 'request:fail' } });
    fake.route('GET', '/api/v1/me/alumnus', { statusCode: 404, data: envelope('NOT_REGISTERED', '未登记') });
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678' } });
    const page = await open();
    expect(text(page, '#state >>> #state-message')).toBe(MESSAGES.NETWORK);
    expect(find(page, '#state >>> #state-retry')).toBeTruthy();
  });
});
