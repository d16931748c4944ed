/**
 * 返乡登记 (pages/register) rendered with miniprogram-simulate: step checks,
 * the draft in storage, submitting, server field errors, phone binding and
 * editing an existing record.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, pick, simulate,
} = require('./helpers/page');
const {
  serveReturnee, RECORD, ID_CARD, ID_MASKED,
} = require('./helpers/backend');
const model = require('../lib/returnee-form');
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

const draft = () => fake.storage.get('returnee_draft');

async function open(query) {
  const page = mountPage('register', query);
  await settle(page, (p) => find(p, '#stepper') || find(p, '#load-error'), 'form');
  return page;
}

/** A draft that has everything filled in, on the last step. */
function seedCompleteDraft(overrides, step = 3) {
  fake.storage.set('returnee_draft', {
    form: Object.assign(model.emptyForm(), {
      name: '张三',
      id_card: ID_CARD,
      township_code: '990101',
      village_code: '990101001',
      status: 'returned',
      left_on: '2015-03-01',
      returned_on: '2025-02-01',
      years_away: '10',
      skills: ['electrician'],
      intention: 'considering',
      needs: ['funds'],
    }, overrides),
    step,
  });
}

const savedRecord = (overrides) => ({ statusCode: 200, data: Object.assign({}, RECORD, overrides) });

describe('pages/register', () => {
  test('step 1 shows what is missing in Chinese and does not move on', async () => {
    serveReturnee(fake);
    const page = await open();

    expect(text(page, '#step-title')).toBe('第1步（共4步）：身份信息');
    await tap(page, '#next-btn');

    expect(text(page, '#err-name')).toBe('请填写姓名');
    expect(text(page, '#err-id_card')).toBe('请填写身份证号');
    expect(text(page, '#step-hint')).toBe('请先改正标红的内容');
    expect(find(page, '#step-0')).toBeTruthy();

    await type(page, '#input-name', '张三');
    await type(page, '#input-id_card', '42120219900101');
    expect(find(page, '#err-name')).toBeFalsy();
    await tap(page, '#next-btn');
    expect(text(page, '#err-id_card')).toBe('身份证号应为18位，现在是14位');

    await type(page, '#input-id_card', ID_CARD);
    expect(text(page, '#id-info')).toBe('出生日期 1990年1月1日，性别 男');
    await tap(page, '#next-btn');
    expect(find(page, '#step-1')).toBeTruthy();
    expect(text(page, '#step-title')).toBe('第2步（共4步）：户籍所在地');
  });

  test('a wrong check digit is flagged as soon as the 18th character is typed', async () => {
    serveReturnee(fake);
    const page = await open();

    await type(page, '#input-id_card', '421202199001011233');
    expect(text(page, '#err-id_card')).toBe('身份证号有误，请逐位核对');
    expect(find(page, '#id-info')).toBeFalsy();
  });

  test('township and village pickers come from /regions; changing the township clears the village', async () => {
    serveReturnee(fake);
    seedCompleteDraft({ township_code: '', village_code: '' }, 1);
    const page = await open();

    expect(find(page, '#step-1')).toBeTruthy();
    await tap(page, '#next-btn');
    expect(text(page, '#err-township_code')).toBe('请选择所在乡镇（街道）');
    expect(text(page, '#err-village_code')).toBe('请选择所在村（社区）');

    await pick(page, '#township-picker', 0);
    await settle(page, (p) => find(p, '#village-picker'), 'villages');
    expect(text(page, '#township-value')).toBe('官埠桥镇');
    const villageCall = fake.calls('GET', '/api/v1/regions').pop();
    expect(villageCall.data).toEqual({ parent: '990101' });

    await pick(page, '#village-picker', 1);
    expect(text(page, '#village-value')).toBe('桥头村');
    expect(draft().form.village_code).toBe('990101002');

    await pick(page, '#township-picker', 1);
    await settle(page, (p) => find(p, '#village-picker'), 'villages again');
    expect(text(page, '#village-value')).toBe('请选择');
    expect(draft().form).toMatchObject({ township_code: '990102', village_code: '' });
  });

  test('every change is saved as a draft and restored when the page is opened again', async () => {
    serveReturnee(fake);
    const page = await open();

    await type(page, '#input-name', '李四');
    expect(draft().form.name).toBe('李四');
    await type(page, '#input-id_card', '11010519491231002X');
    expect(draft().form.id_card).toBe('11010519491231002X');
    await tap(page, '#next-btn');
    expect(draft().step).toBe(1);
    page.detach();

    // The app was closed; the user comes back later.
    const again = await open();
    expect(text(again, '#draft-notice')).toContain('已为您恢复上次没有提交的内容');
    expect(find(again, '#step-1')).toBeTruthy();
    await tap(again, '#prev-btn');
    expect(again.instance.data.form.name).toBe('李四');
    expect(again.instance.data.form.id_card).toBe('11010519491231002X');
  });

  test('清空重填 drops the draft after confirmation', async () => {
    serveReturnee(fake);
    seedCompleteDraft({}, 2);
    const page = await open();

    await tap(page, '#discard-draft');
    await settle(page, (p) => find(p, '#step-0') && !find(p, '#draft-notice'), 'empty form');
    expect(fake.wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ title: '清空重填' }));
    expect(page.instance.data.form.name).toBe('');
    expect(fake.storage.has('returnee_draft')).toBe(false);
  });

  test('a village no longer offered is asked for again', async () => {
    serveReturnee(fake);
    seedCompleteDraft({ village_code: '990101999' }, 1);
    const page = await open();

    await settle(page, (p) => find(p, '#village-picker'), 'villages');
    expect(text(page, '#village-value')).toBe('请选择');
    expect(draft().form.village_code).toBe('');
  });

  test('step 3: the date for the chosen status, chips and a character counter', async () => {
    serveReturnee(fake);
    seedCompleteDraft({ status: '', returned_on: '', skills: [] }, 2);
    const page = await open();

    await tap(page, '#next-btn');
    expect(text(page, '#err-status')).toBe('请选择您现在的情况');

    await tap(page, '#status-returned');
    expect(find(page, '#field-returned_on')).toBeTruthy();
    expect(find(page, '#field-plan_return_on')).toBeFalsy();
    await tap(page, '#next-btn');
    expect(text(page, '#err-returned_on')).toBe('请选择返乡时间');
    await pick(page, '#returned_on-picker', '2025-02-01');
    expect(find(page, '#err-returned_on')).toBeFalsy();

    await tap(page, '#skills-welder');
    expect(find(page, '#skills-welder').dom.className).toContain('chip-on');
    expect(draft().form.skills).toEqual(['welder']);
    await tap(page, '#skills-welder');
    expect(draft().form.skills).toEqual([]);

    await type(page, '#input-skills_text', '会电焊');
    expect(text(page, '#count-skills_text')).toBe('3/500');
    await type(page, '#input-skills_text', '焊'.repeat(501));
    expect(find(page, '#count-skills_text').dom.className).toContain('counter-over');
    await tap(page, '#next-btn');
    expect(text(page, '#err-skills_text')).toBe('最多500个字，已超出1个字');
    // Nothing typed is cut off.
    expect(draft().form.skills_text).toHaveLength(501);
  });

  test('the business section appears only when the user has started a business', async () => {
    serveReturnee(fake);
    seedCompleteDraft({ intention: '' }, 3);
    const page = await open();

    expect(find(page, '#business')).toBeFalsy();
    await tap(page, '#intention-started');
    expect(find(page, '#business')).toBeTruthy();
    await type(page, '#input-uscc', '91421202MA4A000014');
    await type(page, '#input-jobs_created', '3.5');
    await tap(page, '#submit-btn');
    expect(text(page, '#err-uscc')).toBe('统一社会信用代码有误，请对照营业执照逐位核对');
    expect(text(page, '#err-jobs_created')).toBe('带动就业人数请填0到100000之间的整数');
    expect(find(page, '#err-business_name')).toBeFalsy();

    await pick(page, '#business_type-picker', 1);
    expect(draft().form.business_type).toBe('company');
    expect(fake.calls('PUT', '/api/v1/me/returnee')).toHaveLength(0);

    await tap(page, '#intention-preparing');
    expect(find(page, '#business')).toBeFalsy();
  });

  test('submitting sends the whole record, clears the draft and keeps the typed ID', async () => {
    serveReturnee(fake);
    fake.route('PUT', '/api/v1/me/returnee', savedRecord({ intention: 'considering', business: null }));
    seedCompleteDraft();
    const page = await open();

    await tap(page, '#needs-training');
    expect(text(page, '#submit-btn')).toBe('提交登记');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');

    const put = fake.calls('PUT', '/api/v1/me/returnee');
    expect(put).toHaveLength(1);
    expect(put[0].data).toMatchObject({
      name: '张三',
      id_card: ID_CARD,
      township_code: '990101',
      village_code: '990101001',
      status: 'returned',
      returned_on: '2025-02-01',
      plan_return_on: null,
      years_away: 10,
      intention: 'considering',
      needs: ['funds', 'training'],
    });
    expect(put[0].data.business).toBeUndefined();
    expect(text(page, '#done-title')).toBe('登记成功');
    expect(fake.storage.has('returnee_draft')).toBe(false);
    expect(fake.storage.get('returnee_id_card')).toBe(ID_CARD);

    await tap(page, '#view-record-btn');
    expect(fake.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/record/record' }));
  });

  test('a server error naming a field on an earlier step jumps there and marks the field', async () => {
    serveReturnee(fake);
    fake.route('PUT', '/api/v1/me/returnee', {
      statusCode: 409,
      data: { error: { code: 'PERSON_ALREADY_REGISTERED', message: '该身份证号已被其他微信账号登记', field: 'id_card' } },
    });
    seedCompleteDraft();
    const page = await open();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#step-0'), 'back to step 1');

    expect(text(page, '#err-id_card')).toBe('该身份证号已被其他微信账号登记');
    expect(text(page, '#step-title')).toBe('第1步（共4步）：身份信息');
    // Scrolled to the field once the step is drawn.
    await simulate.sleep(80);
    expect(fake.wx.pageScrollTo).toHaveBeenCalledWith(expect.objectContaining({ selector: '#field-id_card' }));
    // Nothing is lost.
    expect(draft().form.name).toBe('张三');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('business.uscc and region errors land on their own fields', async () => {
    serveReturnee(fake);
    fake.route('PUT', '/api/v1/me/returnee',
      { statusCode: 422, data: { error: { code: 'USCC_INVALID', message: '统一社会信用代码无效', field: 'business.uscc' } } },
      { statusCode: 422, data: envelope('REGION_UNKNOWN', '所选村（社区）不存在，请重新选择') });
    seedCompleteDraft({ intention: 'started', business_name: '张三茶叶店', business_type: 'individual' }, 1);
    const page = await open();

    await tap(page, '#next-btn');
    await tap(page, '#next-btn');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#err-uscc'), 'uscc error');
    expect(text(page, '#err-uscc')).toBe('统一社会信用代码无效');

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#step-1'), 'region step');
    expect(text(page, '#err-village_code')).toBe('所选村（社区）不存在，请重新选择');
  });

  test('ID_CARD_MISMATCH unlocks the ID field so it can be typed again', async () => {
    serveReturnee(fake, { record: RECORD });
    fake.storage.set('returnee_id_card', ID_CARD);
    seedCompleteDraft({ intention: 'none' });
    fake.route('PUT', '/api/v1/me/returnee', {
      statusCode: 409,
      data: { error: { code: 'ID_CARD_MISMATCH', message: '身份证号与您已登记的不一致，如需更正请联系乡镇（街道）工作人员', field: 'id_card' } },
    });
    const page = await open();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#input-id_card'), 'ID input');
    expect(text(page, '#err-id_card')).toBe('身份证号与您已登记的不一致，如需更正请联系乡镇（街道）工作人员');
    expect(find(page, '#id-card-locked')).toBeFalsy();
    expect(fake.storage.has('returnee_id_card')).toBe(false);
  });

  test('CONTENT_REJECTED without a field is shown above the buttons', async () => {
    serveReturnee(fake);
    seedCompleteDraft({ intention_note: '……' });
    fake.route('PUT', '/api/v1/me/returnee', {
      statusCode: 422, data: envelope('CONTENT_REJECTED', '填写的内容含有不当信息，请修改后再提交'),
    });
    const page = await open();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'error');
    expect(text(page, '#submit-error')).toBe('填写的内容含有不当信息，请修改后再提交');
    expect(find(page, '#step-3')).toBeTruthy();
  });

  test('a lost network on submit keeps everything and says so', async () => {
    serveReturnee(fake);
    fake.route('PUT', '/api/v1/me/returnee', { fail: { errMsg: 'request:fail timeout' } });
    seedCompleteDraft();
    const page = await open();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'error');

    expect(text(page, '#submit-error')).toContain('网络不给力，没有提交成功');
    expect(find(page, '#step-3')).toBeTruthy();
    expect(draft().form.id_card).toBe(ID_CARD);
    expect(find(page, '#submit-btn')).toBeTruthy();
  });

  test('without a bound phone: asks to bind first, then submits', async () => {
    serveReturnee(fake, { phone: null });
    fake.route('POST', '/api/v1/me/phone', { statusCode: 200, data: { phone: '138****5678' } });
    fake.route('PUT', '/api/v1/me/returnee', savedRecord());
    seedCompleteDraft();
    const page = await open();

    expect(text(page, '#bind-phone-btn')).toBe('绑定手机号');
    await tap(page, '#submit-btn');
    expect(text(page, '#submit-error')).toBe('提交前请先绑定手机号，方便工作人员联系您');
    expect(fake.calls('PUT', '/api/v1/me/returnee')).toHaveLength(0);

    find(page, '#bind-phone-btn').dispatchEvent('getphonenumber', {
      detail: { errMsg: 'getPhoneNumber:ok', code: 'phone-code-1' },
    });
    await settle(page, (p) => !find(p, '#phone-prompt'), 'bound');
    expect(fake.calls('POST', '/api/v1/me/phone')[0].data).toEqual({ code: 'phone-code-1' });

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
  });

  test('PHONE_NOT_BOUND from the server brings the bind button back', async () => {
    serveReturnee(fake);
    fake.route('PUT', '/api/v1/me/returnee', { statusCode: 422, data: envelope('PHONE_NOT_BOUND', '请先绑定手机号') });
    seedCompleteDraft();
    const page = await open();

    expect(find(page, '#phone-prompt')).toBeFalsy();
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#phone-prompt'), 'prompt');
    expect(text(page, '#submit-error')).toBe('请先绑定手机号');
  });

  test('editing: prefilled from the record, ID shown masked and read-only, the kept ID is sent', async () => {
    serveReturnee(fake, { record: RECORD });
    fake.storage.set('returnee_id_card', ID_CARD);
    fake.route('PUT', '/api/v1/me/returnee', savedRecord({ work_city: '深圳市' }));
    const page = await open({ from: 'record' });

    expect(text(page, '#id-card-locked')).toBe(ID_MASKED);
    expect(find(page, '#input-id_card')).toBeFalsy();
    expect(find(page, '#draft-notice')).toBeFalsy();
    expect(page.instance.data.form.name).toBe('张三');

    await tap(page, '#next-btn');
    await settle(page, (p) => text(p, '#village-value') === '桥头村', 'village label');
    expect(text(page, '#township-value')).toBe('官埠桥镇');
    await tap(page, '#next-btn');
    await type(page, '#input-work_city', '深圳市');
    await tap(page, '#next-btn');
    expect(find(page, '#business')).toBeTruthy();
    expect(text(page, '#submit-btn')).toBe('保存修改');
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');

    const body = fake.calls('PUT', '/api/v1/me/returnee')[0].data;
    expect(body.id_card).toBe(ID_CARD);
    expect(body.work_city).toBe('深圳市');
    expect(body.business).toEqual({
      name: '张三茶叶店', type: 'individual', uscc: '91421202MA4A000013', started_on: '2025-06-01', jobs_created: 3,
    });
    expect(text(page, '#done-title')).toBe('修改已保存');
    await tap(page, '#view-record-btn');
    expect(fake.wx.navigateBack).toHaveBeenCalled();
  });

  test('editing on a phone that does not know the full ID: asks to type it again and checks it', async () => {
    serveReturnee(fake, { record: RECORD });
    const page = await open();

    expect(text(page, '#id-retype-hint')).toContain(ID_MASKED);
    await tap(page, '#next-btn');
    expect(text(page, '#err-id_card')).toBe('请填写身份证号');

    await type(page, '#input-id_card', '11010519491231002X');
    await tap(page, '#next-btn');
    expect(text(page, '#err-id_card')).toBe('与登记时的身份证号不一致，请核对');

    await type(page, '#input-id_card', ID_CARD);
    await tap(page, '#next-btn');
    expect(find(page, '#step-1')).toBeTruthy();
    expect(draft().form.id_card).toBe(ID_CARD);
  });

  test('a failed load shows a retry button', async () => {
    serveReturnee(fake);
    fake.route('GET', '/api/v1/options', { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: {} });
    const page = await open();

    expect(text(page, '#error-message')).toBe(MESSAGES.NETWORK);
    await tap(page, '#retry-btn');
    await settle(page, (p) => find(p, '#step-0'), 'form after retry');
  });
});
