/**
 * 返乡登记 (pages/register) rendered with miniprogram-simulate and TDesign:
 * step checks, the draft in storage (never with the ID number), submitting
 * with the privacy consent, server field errors, phone binding and editing
 * an existing record.
 */
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type, confirmDialog, trigger, simulate,
} = require('./helpers/page');
const {
  serveReturnee, RECORD, ID_CARD, ID_MASKED,
} = require('./helpers/backend');
const model = require('../lib/returnee-form');
const { MESSAGES } = require('../api/request');
const { VERSION } = require('../lib/privacy');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
  // The privacy policy was accepted earlier (the consent tests undo this).
  fake.storage.set('privacy_accepted', VERSION);
});

// Pages still open when a test ends are closed, so that a draft write they
// still owe lands in their own test's storage, not the next one's.
let opened = [];

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

const draft = () => fake.storage.get('returnee_draft');
const everythingStored = () => JSON.stringify(Array.from(fake.storage.entries()));

async function open(query) {
  const page = mountPage('register', query);
  opened.push(page);
  await settle(page, (p) => p.instance.data.status !== 'loading', 'form');
  return page;
}

/** The app goes to the background: the draft is written now. */
function hide(page) {
  page.instance.onHide();
}

/** The user picks `value` in the t-picker at `selector` and taps 确定. */
async function choose(page, selector, value, label) {
  find(page, selector)._exparserNode.triggerEvent('confirm', { value: [value], label: [label || value] });
  await simulate.sleep(0);
}

/** The user picks a date in the t-date-time-picker at `selector`. */
async function chooseDate(page, selector, value) {
  find(page, selector)._exparserNode.triggerEvent('confirm', { value });
  await simulate.sleep(0);
}

/** A draft that has everything filled in (no ID number: drafts never hold it). */
function seedCompleteDraft(overrides, step = 3) {
  fake.storage.set('returnee_draft', {
    form: Object.assign(model.emptyForm(), {
      name: '张三',
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
    id_masked: ID_MASKED,
  });
}

/** Opens the page on a seeded draft, types the ID again and lands on the draft's step. */
async function openWithId(query) {
  const page = await open(query);
  await type(page, '#input-id_card', ID_CARD);
  await tap(page, '#next-btn');
  return page;
}

const savedRecord = (overrides) => ({ statusCode: 200, data: Object.assign({}, RECORD, overrides) });

describe('pages/register', () => {
  test('is drawn with TDesign: steps, inputs, the privacy notice before the ID number', async () => {
    serveReturnee(fake);
    const page = await open();

    expect(find(page, '#stepper')).toBeTruthy();
    expect(text(page, '#stepper')).toContain('身份信息');
    expect(text(page, '#stepper')).toContain('创业意向与需求');
    expect(text(page, '#id-privacy')).toContain('身份证号');
    // The notice comes right before the ID number field.
    const field = find(page, '#field-id_card').dom.innerHTML;
    expect(field.indexOf('privacy-notice')).toBeGreaterThan(-1);
    expect(field.indexOf('privacy-notice')).toBeLessThan(field.indexOf('t-input'));
    expect(text(page, '#bound-phone')).toContain('138****5678');
  });

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

    // Back through the steps bar; forward only with 下一步.
    find(page, '#stepper')._exparserNode.triggerEvent('change', { current: 0, previous: 1 });
    await simulate.sleep(0);
    expect(find(page, '#step-0')).toBeTruthy();
    find(page, '#stepper')._exparserNode.triggerEvent('change', { current: 3, previous: 0 });
    await simulate.sleep(0);
    expect(find(page, '#step-0')).toBeTruthy();
  });

  test('a wrong check digit is flagged as soon as the 18th character is typed', async () => {
    serveReturnee(fake);
    const page = await open();

    await type(page, '#input-id_card', '421202199001011233');
    expect(text(page, '#err-id_card')).toBe('身份证号有误，请逐位核对');
    expect(find(page, '#id-info')).toBeFalsy();
  });

  test('a field is checked when the user leaves it, with the server limit in the message', async () => {
    serveReturnee(fake);
    seedCompleteDraft({}, 2);
    const page = await openWithId();

    await type(page, '#input-industry', '行'.repeat(65));
    expect(find(page, '#err-industry')).toBeFalsy();
    // The user leaves the field: t-input reports blur.
    find(page, '#input-industry')._exparserNode.triggerEvent('blur', { value: '行'.repeat(65) });
    await simulate.sleep(0);
    expect(text(page, '#err-industry')).toBe('最多64个字，已超出1个字');
  });

  test('township and village pickers come from /regions; changing the township clears the village', async () => {
    serveReturnee(fake);
    seedCompleteDraft({ township_code: '', village_code: '' }, 1);
    const page = await openWithId();

    expect(find(page, '#step-1')).toBeTruthy();
    await tap(page, '#next-btn');
    expect(text(page, '#err-township_code')).toBe('请选择所在乡镇（街道）');
    expect(text(page, '#err-village_code')).toBe('请选择所在村（社区）');

    await tap(page, '#township-cell');
    expect(page.instance.data.picking).toBe('township_code');
    expect(page.instance.data.pickers.township.map((o) => o.label)).toEqual(['官埠桥镇', '向阳湖镇']);
    await choose(page, '#township-picker', '990101', '官埠桥镇');
    await settle(page, (p) => find(p, '#village-cell'), 'villages');
    expect(text(page, '#township-cell')).toContain('官埠桥镇');
    const villageCall = fake.calls('GET', '/api/v1/regions').pop();
    expect(villageCall.data).toEqual({ parent: '990101' });

    await tap(page, '#village-cell');
    await choose(page, '#village-picker', '990101002', '桥头村');
    expect(text(page, '#village-cell')).toContain('桥头村');
    hide(page);
    expect(draft().form.village_code).toBe('990101002');

    await choose(page, '#township-picker', '990102', '向阳湖镇');
    await settle(page, (p) => find(p, '#village-cell'), 'villages again');
    expect(text(page, '#village-cell')).toContain('请选择');
    hide(page);
    expect(draft().form).toMatchObject({ township_code: '990102', village_code: '' });
  });

  test('the draft survives closing the page, without the ID number', async () => {
    serveReturnee(fake);
    const page = await open();

    await type(page, '#input-name', '李四');
    await type(page, '#input-id_card', '11010519491231002X');
    await tap(page, '#next-btn');
    await tap(page, '#township-cell');
    await choose(page, '#township-picker', '990102', '向阳湖镇');
    page.detach(); // the user closes the page at once

    expect(draft().form.name).toBe('李四');
    expect(draft().form.township_code).toBe('990102');
    expect(draft().step).toBe(1);
    expect(draft().form.id_card).toBe('');
    expect(everythingStored()).not.toContain('11010519491231002X');
    expect(everythingStored()).not.toContain('110105194912');

    // The user comes back later: everything but the ID number is there.
    const again = await open();
    expect(text(again, '#draft-notice')).toContain('已为您恢复上次没有提交的内容');
    expect(find(again, '#step-0')).toBeTruthy();
    expect(text(again, '#id-retype-hint')).toContain('请再输入一次（1101**********002X）');
    expect(text(again, '#step-hint')).toContain('回到您上次填到的地方');
    expect(again.instance.data.form.name).toBe('李四');
    expect(again.instance.data.form.id_card).toBe('');

    await type(again, '#input-id_card', '11010519491231002X');
    await tap(again, '#next-btn');
    expect(find(again, '#step-1')).toBeTruthy();
    expect(text(again, '#township-cell')).toContain('向阳湖镇');
  });

  test('typing saves the draft at most once per half second, and the last edit is kept', async () => {
    serveReturnee(fake);
    const page = await open();
    fake.wx.setStorageSync.mockClear();

    const name = '欧阳修文';
    for (let i = 1; i <= name.length; i += 1) {
      // eslint-disable-next-line no-await-in-loop
      await type(page, '#input-name', name.slice(0, i));
    }
    const draftWrites = () => fake.wx.setStorageSync.mock.calls.filter((c) => c[0] === 'returnee_draft');
    expect(draftWrites().length).toBe(1);
    await simulate.sleep(600);
    expect(draftWrites().length).toBe(2);
    expect(draft().form.name).toBe('欧阳修文');
  });

  test('an old draft holding the ID number in clear is rewritten without it', async () => {
    serveReturnee(fake);
    fake.storage.set('returnee_id_card', ID_CARD);
    seedCompleteDraft({ id_card: ID_CARD }, 0);
    const page = await open();

    expect(everythingStored()).not.toContain(ID_CARD);
    expect(fake.storage.has('returnee_id_card')).toBe(false);
    expect(text(page, '#id-retype-hint')).toContain(ID_MASKED);
  });

  test('清空重填 drops the draft after confirmation', async () => {
    serveReturnee(fake);
    seedCompleteDraft({}, 2);
    const page = await open();

    await tap(page, '#discard-draft');
    expect(page.instance.data.discardAsking).toBe(true);
    expect(text(page, '#discard-dialog')).toContain('清空已填写的内容');
    await confirmDialog(page, '#discard-dialog');
    await settle(page, (p) => p.instance.data.status === 'ready' && !find(p, '#draft-notice'), 'empty form');
    expect(page.instance.data.form.name).toBe('');
    expect(fake.storage.has('returnee_draft')).toBe(false);
  });

  test('a village no longer offered is asked for again', async () => {
    serveReturnee(fake);
    seedCompleteDraft({ village_code: '990101999' }, 1);
    const page = await openWithId();

    await settle(page, (p) => find(p, '#village-cell'), 'villages');
    expect(text(page, '#village-cell')).toContain('请选择');
    hide(page);
    expect(draft().form.village_code).toBe('');
  });

  test('step 3: the date for the chosen status, check boxes and a character counter', async () => {
    serveReturnee(fake);
    seedCompleteDraft({ status: '', returned_on: '', skills: [] }, 2);
    const page = await openWithId();

    await tap(page, '#next-btn');
    expect(text(page, '#err-status')).toBe('请选择您现在的情况');

    await tap(page, '#status-returned');
    expect(page.instance.data.form.status).toBe('returned');
    expect(find(page, '#field-returned_on')).toBeTruthy();
    expect(find(page, '#field-plan_return_on')).toBeFalsy();
    await tap(page, '#next-btn');
    expect(text(page, '#err-returned_on')).toBe('请选择返乡时间');
    await tap(page, '#returned_on-cell');
    await chooseDate(page, '#returned_on-picker', '2025-02-01');
    expect(find(page, '#err-returned_on')).toBeFalsy();
    expect(text(page, '#returned_on-cell')).toContain('2025年2月1日');

    await tap(page, '#skills-welder');
    hide(page);
    expect(draft().form.skills).toEqual(['welder']);
    await tap(page, '#skills-welder');
    hide(page);
    expect(draft().form.skills).toEqual([]);

    await type(page, '#input-skills_text', '会电焊');
    expect(text(page, '#count-skills_text')).toBe('3/500');
    await type(page, '#input-skills_text', '焊'.repeat(501));
    expect(find(page, '#count-skills_text').dom.className).toContain('counter-over');
    await tap(page, '#next-btn');
    expect(text(page, '#err-skills_text')).toBe('最多500个字，已超出1个字');
    // Nothing typed is cut off.
    hide(page);
    expect(draft().form.skills_text).toHaveLength(501);
  });

  test('the business section appears only when the user has started a business', async () => {
    serveReturnee(fake);
    seedCompleteDraft({ intention: '' }, 3);
    const page = await openWithId();

    expect(find(page, '#business')).toBeFalsy();
    await tap(page, '#intention-started');
    expect(find(page, '#business')).toBeTruthy();
    await type(page, '#input-uscc', '91421202MA4A000014');
    await type(page, '#input-jobs_created', '3.5');
    await tap(page, '#submit-btn');
    expect(text(page, '#err-uscc')).toBe('统一社会信用代码有误，请对照营业执照逐位核对');
    expect(text(page, '#err-jobs_created')).toBe('带动就业人数请填0到100000之间的整数');
    expect(find(page, '#err-business_name')).toBeFalsy();

    await tap(page, '#business_type-cell');
    await choose(page, '#business_type-picker', 'company', '企业');
    expect(text(page, '#business_type-cell')).toContain('企业');
    expect(fake.calls('PUT', '/api/v1/me/returnee')).toHaveLength(0);

    await tap(page, '#intention-preparing');
    expect(find(page, '#business')).toBeFalsy();
  });

  test('submitting sends the whole record and clears the draft; the ID is not kept', async () => {
    serveReturnee(fake);
    fake.route('PUT', '/api/v1/me/returnee', savedRecord({ intention: 'considering', business: null }));
    seedCompleteDraft();
    const page = await openWithId();

    expect(find(page, '#step-3')).toBeTruthy();
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
    await simulate.sleep(600);
    expect(fake.storage.has('returnee_draft')).toBe(false);
    expect(everythingStored()).not.toContain(ID_CARD);

    await tap(page, '#view-record-btn');
    expect(fake.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/record/record' }));
  });

  test('the ID number is sent only after the privacy consent', async () => {
    fake.storage.delete('privacy_accepted');
    serveReturnee(fake);
    fake.route('POST', '/api/v1/me/privacy-consent', { statusCode: 204, data: '' });
    fake.route('PUT', '/api/v1/me/returnee', savedRecord());
    seedCompleteDraft();
    fake.modalAnswer = { confirm: false, cancel: true };
    const page = await openWithId();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'declined');
    expect(text(page, '#submit-error')).toContain('您没有同意隐私保护指引，身份证号不会发出去');
    expect(fake.calls('PUT', '/api/v1/me/returnee')).toHaveLength(0);

    fake.modalAnswer = { confirm: true, cancel: false };
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.calls('POST', '/api/v1/me/privacy-consent')[0].data).toEqual({ version: VERSION });
    expect(fake.calls('PUT', '/api/v1/me/returnee')).toHaveLength(1);
  });

  test('a 422 PRIVACY_CONSENT_REQUIRED shows the consent step, then sends again', async () => {
    serveReturnee(fake);
    fake.route('POST', '/api/v1/me/privacy-consent', { statusCode: 204, data: '' });
    fake.route('PUT', '/api/v1/me/returnee',
      { statusCode: 422, data: envelope('PRIVACY_CONSENT_REQUIRED', '请先同意隐私政策') },
      savedRecord());
    seedCompleteDraft();
    const page = await openWithId();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ title: '保护您的个人信息' }));
    expect(fake.calls('POST', '/api/v1/me/privacy-consent')).toHaveLength(1);
    expect(fake.calls('PUT', '/api/v1/me/returnee')).toHaveLength(2);
    expect(fake.wx.showToast).not.toHaveBeenCalledWith(expect.objectContaining({ title: '请先同意隐私政策' }));
  });

  test('a server error naming a field on an earlier step jumps there and marks the field', async () => {
    serveReturnee(fake);
    fake.route('PUT', '/api/v1/me/returnee', {
      statusCode: 409,
      data: { error: { code: 'PERSON_ALREADY_REGISTERED', message: '该身份证号已被其他微信账号登记', field: 'id_card' } },
    });
    seedCompleteDraft();
    const page = await openWithId();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#step-0'), 'back to step 1');

    expect(text(page, '#err-id_card')).toBe('该身份证号已被其他微信账号登记');
    expect(text(page, '#step-title')).toBe('第1步（共4步）：身份信息');
    // Scrolled to the field once the step is drawn.
    await simulate.sleep(80);
    expect(fake.wx.pageScrollTo).toHaveBeenCalledWith(expect.objectContaining({ selector: '#field-id_card' }));
    // Nothing is lost.
    hide(page);
    expect(draft().form.name).toBe('张三');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
  });

  test('business.uscc and region errors land on their own fields', async () => {
    serveReturnee(fake);
    fake.route('PUT', '/api/v1/me/returnee',
      { statusCode: 422, data: { error: { code: 'USCC_INVALID', message: '统一社会信用代码无效', field: 'business.uscc' } } },
      { statusCode: 422, data: envelope('REGION_UNKNOWN', '所选村（社区）不存在，请重新选择') });
    seedCompleteDraft({ intention: 'started', business_name: '张三茶叶店', business_type: 'individual' }, 3);
    const page = await openWithId();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#err-uscc'), 'uscc error');
    expect(text(page, '#err-uscc')).toBe('统一社会信用代码无效');

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#step-1'), 'region step');
    expect(text(page, '#err-village_code')).toBe('所选村（社区）不存在，请重新选择');
  });

  test('CONTENT_REJECTED without a field is shown above the buttons', async () => {
    serveReturnee(fake);
    seedCompleteDraft({ intention_note: '……' });
    fake.route('PUT', '/api/v1/me/returnee', {
      statusCode: 422, data: envelope('CONTENT_REJECTED', '填写的内容含有不当信息，请修改后再提交'),
    });
    const page = await openWithId();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'error');
    expect(text(page, '#submit-error')).toBe('填写的内容含有不当信息，请修改后再提交');
    expect(find(page, '#step-3')).toBeTruthy();
  });

  test('a lost network on submit keeps everything on screen and says what to do', async () => {
    serveReturnee(fake);
    fake.route('PUT', '/api/v1/me/returnee', { fail: { errMsg: 'request:fail timeout' } }, savedRecord());
    seedCompleteDraft();
    const page = await openWithId();

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'error');

    expect(text(page, '#submit-error')).toBe('没有连上网络，登记还没有提交。填好的内容都还在，等信号好些再点一次提交。');
    expect(find(page, '#step-3')).toBeTruthy();
    expect(page.instance.data.form.id_card).toBe(ID_CARD);
    expect(everythingStored()).not.toContain(ID_CARD);

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
    expect(fake.calls('PUT', '/api/v1/me/returnee')[1].data.id_card).toBe(ID_CARD);
  });

  test('without a bound phone: asks to bind first with phone-binding, then submits', async () => {
    serveReturnee(fake, { phone: null });
    fake.route('POST', '/api/v1/me/phone', { statusCode: 200, data: { phone: '138****5678' } });
    fake.route('PUT', '/api/v1/me/returnee', savedRecord());
    seedCompleteDraft();
    const page = await openWithId();

    expect(text(page, '#binding >>> #bind-phone-btn')).toBe('绑定手机号');
    await tap(page, '#submit-btn');
    expect(text(page, '#submit-error')).toBe('提交前请先绑定手机号，方便工作人员联系您');
    expect(fake.calls('PUT', '/api/v1/me/returnee')).toHaveLength(0);

    await trigger(page, '#binding >>> #bind-phone-btn', 'getphonenumber', {
      errMsg: 'getPhoneNumber:ok', code: 'phone-code-1',
    });
    await settle(page, (p) => !find(p, '#phone-prompt'), 'bound');
    expect(fake.calls('POST', '/api/v1/me/phone')[0].data).toEqual({ code: 'phone-code-1' });
    expect(text(page, '#step-hint')).toBe('手机号已绑定，请再点“提交登记”');

    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#done'), 'done');
  });

  test('a getPhoneNumber failure that is not a refusal is not called a cancellation', async () => {
    serveReturnee(fake, { phone: null });
    const page = await open();

    await trigger(page, '#binding >>> #bind-phone-btn', 'getphonenumber', {
      errMsg: 'getPhoneNumber:fail no permission',
    });
    const titles = fake.wx.showToast.mock.calls.map((c) => c[0].title);
    expect(titles.join()).not.toContain('您已取消授权');
    expect(fake.calls('POST', '/api/v1/me/phone')).toHaveLength(0);
  });

  test('PHONE_NOT_BOUND from the server brings the bind button back', async () => {
    serveReturnee(fake);
    fake.route('PUT', '/api/v1/me/returnee', { statusCode: 422, data: envelope('PHONE_NOT_BOUND', '请先绑定手机号') });
    seedCompleteDraft();
    const page = await openWithId();

    expect(find(page, '#phone-prompt')).toBeFalsy();
    await tap(page, '#submit-btn');
    await settle(page, (p) => find(p, '#phone-prompt'), 'prompt');
    expect(text(page, '#submit-error')).toBe('请先绑定手机号');
  });

  test('editing: prefilled from the record; the ID number is asked again and must fit the masked one', async () => {
    serveReturnee(fake, { record: RECORD });
    fake.route('PUT', '/api/v1/me/returnee', savedRecord({ work_city: '深圳市' }));
    const page = await open({ from: 'record' });

    expect(find(page, '#draft-notice')).toBeFalsy();
    expect(page.instance.data.form.name).toBe('张三');
    expect(text(page, '#id-retype-hint')).toContain(ID_MASKED);
    await tap(page, '#next-btn');
    expect(text(page, '#err-id_card')).toBe('请填写身份证号');

    await type(page, '#input-id_card', '11010519491231002X');
    await tap(page, '#next-btn');
    expect(text(page, '#err-id_card')).toBe('与登记时的身份证号不一致，请核对');

    await type(page, '#input-id_card', ID_CARD);
    await tap(page, '#next-btn');
    await settle(page, (p) => text(p, '#village-cell') && text(p, '#village-cell').includes('桥头村'), 'village label');
    expect(text(page, '#township-cell')).toContain('官埠桥镇');
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
    expect(everythingStored()).not.toContain(ID_CARD);
    await tap(page, '#view-record-btn');
    expect(fake.wx.navigateBack).toHaveBeenCalled();
  });

  test('a failed load shows a retry button', async () => {
    serveReturnee(fake);
    fake.route('GET', '/api/v1/options', { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: {} });
    const page = await open();

    expect(text(page, '#state >>> #state-message')).toBe(MESSAGES.NETWORK);
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => p.instance.data.status === 'ready', 'form after retry');
    expect(find(page, '#step-0')).toBeTruthy();
  });
});
