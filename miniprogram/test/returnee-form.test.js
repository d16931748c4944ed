/**
 * The registration form model: step validation messages, the PUT body and
 * server field names.
 */
const model = require('../lib/returnee-form');
const { recordSections } = require('../lib/returnee-view');
const { todayBeijing, formatBeijingDateTime, formatDate } = require('../lib/datetime');

const TODAY = '2026-11-28';
const ctx = { today: TODAY };

function validForm(overrides) {
  return Object.assign(model.emptyForm(), {
    name: '张三',
    id_card: '421202199001011232',
    township_code: '990101',
    village_code: '990101001',
    status: 'returned',
    left_on: '2015-03-01',
    returned_on: '2025-02-01',
    intention: 'none',
  }, overrides);
}

describe('validateStep', () => {
  test('step 1 asks for the name and a correct ID number', () => {
    expect(model.validateStep(0, model.emptyForm(), ctx)).toEqual({
      name: '请填写姓名',
      id_card: '请填写身份证号',
    });
    expect(model.validateStep(0, validForm({ id_card: '4212021990' }), ctx).id_card)
      .toBe('身份证号应为18位，现在是10位');
    expect(model.validateStep(0, validForm({ id_card: '421202199001011233' }), ctx).id_card)
      .toBe('身份证号有误，请逐位核对');
    expect(model.validateStep(0, validForm({ name: '张'.repeat(33) }), ctx).name)
      .toBe('最多32个字，已超出1个字');
    expect(model.validateStep(0, validForm({ name: '张' }), ctx).name).toBe('姓名至少2个字');
    expect(model.validateStep(0, validForm({ name: '张三3' }), ctx).name).toBe('姓名只能填汉字或字母，不要填数字或符号');
    expect(model.validateStep(0, validForm({ name: '阿依古丽·买买提' }), ctx)).toEqual({});
    expect(model.validateStep(0, validForm(), ctx)).toEqual({});
  });

  test('step 1 when editing: the ID must be the registered one', () => {
    const editing = { today: TODAY, maskedIdCard: '4212**********1232' };
    expect(model.validateStep(0, validForm(), editing)).toEqual({});
    expect(model.validateStep(0, validForm({ id_card: '11010519491231002X' }), editing).id_card)
      .toBe('与登记时的身份证号不一致，请核对');
  });

  test('step 2 asks for township and village', () => {
    expect(model.validateStep(1, model.emptyForm(), ctx)).toEqual({
      township_code: '请选择所在乡镇（街道）',
      village_code: '请选择所在村（社区）',
    });
  });

  test('step 3: status, the date that goes with it, limits and numbers', () => {
    expect(model.validateStep(2, model.emptyForm(), ctx)).toEqual({ status: '请选择您现在的情况' });
    expect(model.validateStep(2, validForm({ returned_on: '' }), ctx).returned_on).toBe('请选择返乡时间');
    expect(model.validateStep(2, validForm({ returned_on: '2027-01-01' }), ctx).returned_on).toBe('返乡时间不能晚于今天');
    expect(model.validateStep(2, validForm({ returned_on: '2014-01-01' }), ctx).returned_on).toBe('返乡时间不能早于外出时间');
    expect(model.validateStep(2, validForm({ status: 'planning' }), ctx)).toEqual({});
    expect(model.validateStep(2, validForm({ left_on: '1989-12-31' }), ctx).left_on).toBe('外出时间不能早于出生日期');
    expect(model.validateStep(2, validForm({ status: 'planning', plan_return_on: '2026-01-01' }), ctx).plan_return_on)
      .toBe('计划返乡时间不能早于今天');
    expect(model.validateStep(2, validForm({ status: 'away', returned_on: '' }), ctx)).toEqual({});
    expect(model.validateStep(2, validForm({ years_away: '81' }), ctx).years_away).toBe('在外务工年数请填0到80之间的整数');
    expect(model.validateStep(2, validForm({ years_away: '2.5' }), ctx).years_away).toBe('在外务工年数请填0到80之间的整数');
    expect(model.validateStep(2, validForm({ skills_text: '焊'.repeat(501) }), ctx).skills_text).toBe('最多500个字，已超出1个字');
    expect(model.validateStep(2, validForm({ industry: 'a'.repeat(65) }), ctx).industry).toBe('最多64个字，已超出1个字');
    expect(model.validateStep(2, validForm(), ctx)).toEqual({});
  });

  test('step 4: intention, and the business only when started', () => {
    // Optional as on the server: nothing chosen is sent as 'none'.
    expect(model.validateStep(3, model.emptyForm(), ctx)).toEqual({});
    expect(model.toPayload(model.emptyForm()).intention).toBe('none');
    expect(model.validateStep(3, validForm({ intention: 'started' }), ctx)).toEqual({});
    expect(model.validateStep(3, validForm({ intention: 'started', business_name: '店'.repeat(101) }), ctx))
      .toEqual({ business_name: '最多100个字，已超出1个字' });
    const started = validForm({ intention: 'started', business_name: '张三茶叶店', business_type: 'individual' });
    expect(model.validateStep(3, started, ctx)).toEqual({});
    expect(model.validateStep(3, Object.assign({}, started, { uscc: '91421202MA4A000014' }), ctx).uscc)
      .toBe('统一社会信用代码有误，请对照营业执照逐位核对');
    expect(model.validateStep(3, Object.assign({}, started, { uscc: '91421202' }), ctx).uscc)
      .toBe('统一社会信用代码应为18位，现在是8位');
    expect(model.validateStep(3, Object.assign({}, started, { jobs_created: '-1' }), ctx).jobs_created)
      .toBe('带动就业人数请填0到100000之间的整数');
    expect(model.validateStep(3, validForm({ intention: 'considering', business_name: '' }), ctx)).toEqual({});
  });

  test('firstInvalidStep finds the earliest step with a problem', () => {
    expect(model.firstInvalidStep(validForm(), ctx)).toBeNull();
    expect(model.firstInvalidStep(validForm({ village_code: '' }), ctx)).toEqual({
      step: 1,
      errors: { village_code: '请选择所在村（社区）' },
    });
  });
});

describe('payload and record', () => {
  test('the PUT body: trimmed text, nulls for empty dates and numbers, no business unless started', () => {
    const payload = model.toPayload(validForm({
      name: ' 张三 ',
      id_card: '11010519491231002x',
      years_away: '10',
      plan_return_on: '2030-01-01',
      skills: ['electrician'],
      business_name: '留在草稿里',
    }));
    expect(payload).toEqual({
      name: '张三',
      id_card: '11010519491231002X',
      township_code: '990101',
      village_code: '990101001',
      status: 'returned',
      left_on: '2015-03-01',
      returned_on: '2025-02-01',
      plan_return_on: null,
      work_province: '',
      work_city: '',
      industry: '',
      years_away: 10,
      skills: ['electrician'],
      skills_text: '',
      certificates: '',
      education: '',
      intention: 'none',
      intended_fields: [],
      intention_note: '',
      needs: [],
    });
  });

  test('the business goes along when the user has started one', () => {
    const payload = model.toPayload(validForm({
      intention: 'started',
      business_name: '张三茶叶店',
      business_type: 'individual',
      uscc: '91421202ma4a000013',
      jobs_created: '3',
    }));
    expect(payload.business).toEqual({
      name: '张三茶叶店',
      type: 'individual',
      uscc: '91421202MA4A000013',
      started_on: null,
      jobs_created: 3,
    });
  });

  test('a record fills the form (except the ID, which comes back masked)', () => {
    const form = model.formFromRecord({
      name: '张三',
      id_card: '4212**********1232',
      township_code: '990101',
      village_code: '990101001',
      status: 'returned',
      returned_on: '2025-02-01',
      plan_return_on: null,
      years_away: 10,
      skills: ['electrician'],
      intention: 'started',
      business: { name: '张三茶叶店', type: 'individual', uscc: null, started_on: '2025-06-01', jobs_created: 3 },
    });
    expect(form.id_card).toBe('');
    expect(form.years_away).toBe('10');
    expect(form.plan_return_on).toBe('');
    expect(form.business_name).toBe('张三茶叶店');
    expect(form.jobs_created).toBe('3');
    expect(form.uscc).toBe('');
  });

  test('server field names map to form keys and steps', () => {
    expect(model.formKeyOfServerField('business.uscc')).toBe('uscc');
    expect(model.formKeyOfServerField('id_card')).toBe('id_card');
    expect(model.formKeyOfServerField('skills[1]')).toBe('skills');
    expect(model.formKeyOfServerField('nonsense')).toBe('');
    expect(model.stepOfField('uscc')).toBe(3);
    expect(model.stepOfField('village_code')).toBe(1);
    expect(model.stepOfField('')).toBe(-1);
  });
});

describe('dates in Beijing time', () => {
  test('a UTC timestamp shows as Beijing time', () => {
    expect(formatBeijingDateTime('2026-11-28T06:00:00Z')).toBe('2026年11月28日 14:00');
    expect(formatBeijingDateTime('2026-11-28T17:30:00Z')).toBe('2026年11月29日 01:30');
    expect(formatBeijingDateTime('')).toBe('');
    expect(todayBeijing(new Date('2026-11-28T16:00:00Z'))).toBe('2026-11-29');
    expect(formatDate('2025-02-01')).toBe('2025年2月1日');
  });

  test('record sections use option labels and say 未填写 for blanks', () => {
    const sections = recordSections({
      name: '张三',
      status: 'planning',
      plan_return_on: '2027-01-01',
      skills: ['electrician', 'gone'],
      intention: 'none',
      industry: '',
    }, { skill: [{ code: 'electrician', label: '电工' }] });
    const rows = {};
    sections.forEach((s) => s.rows.forEach((r) => {
      rows[r.label] = r.value;
    }));
    expect(rows['现在的情况']).toBe('打算返乡');
    expect(rows['打算返乡时间']).toBe('2027年1月1日');
    expect(rows['技能']).toBe('电工、gone');
    expect(rows['行业']).toBe('未填写');
    expect(rows['手机号']).toBe('未绑定');
    expect(rows['返乡时间']).toBeUndefined();
    expect(sections.map((s) => s.title)).not.toContain('经营主体');
  });
});

describe('drafts without the ID number', () => {
  const { ID_CARD } = require('./helpers/backend');

  test('toDraft keeps every field but the ID number, which is only kept masked', () => {
    const form = Object.assign(model.emptyForm(), { name: '张三', id_card: ID_CARD, skills: ['welder'] });
    const d = model.toDraft(form, 2);
    expect(d.form.name).toBe('张三');
    expect(d.form.skills).toEqual(['welder']);
    expect(d.form.id_card).toBe('');
    expect(d.step).toBe(2);
    expect(d.id_masked).toBe('4212**********1232');
    expect(JSON.stringify(d)).not.toContain('19900101');
  });

  test('a half-typed ID number is not kept at all', () => {
    const d = model.toDraft(Object.assign(model.emptyForm(), { id_card: '4212021990' }), 0);
    expect(d.id_masked).toBe('');
    expect(JSON.stringify(d)).not.toContain('4212021990');
  });

  test('fromDraft drops an ID number an old draft held in clear', () => {
    const d = model.fromDraft({ form: Object.assign(model.emptyForm(), { name: '李四', id_card: ID_CARD }), step: 9 });
    expect(d.form.id_card).toBe('');
    expect(d.form.name).toBe('李四');
    expect(d.step).toBe(0);
    expect(d.idMasked).toBe('4212**********1232');
    expect(model.fromDraft(null)).toBeNull();
    expect(model.fromDraft({})).toBeNull();
  });
});
