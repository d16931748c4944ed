/**
 * lib/form-fields.js: the field handlers shared by the form pages, on a
 * small page of their own (a t-input, a t-radio-group, a t-picker).
 */
// Loaded first: it installs the global Behavior() the library calls.
const simulate = require('miniprogram-simulate');
const {
  fieldOf, valueOf, pickerOptions, labelOf, fieldsUpdate,
} = require('../lib/form-fields');

describe('lib/form-fields helpers', () => {
  test('the field and the value of a TDesign event', () => {
    const e = { currentTarget: { dataset: { field: 'name' } }, detail: { value: '张三', cursor: 2 } };
    expect(fieldOf(e)).toBe('name');
    expect(valueOf(e)).toBe('张三');
    expect(valueOf({ detail: { value: ['a', 'b'] } })).toEqual(['a', 'b']);
    expect(valueOf({ detail: { value: false } })).toBe(false);
    expect(valueOf({ detail: '2025-01-01' })).toBe('2025-01-01');
    expect(fieldOf({})).toBe('');
  });

  test('lists become t-picker options; labels are found by code', () => {
    const list = [{ code: 'a', label: '甲' }, { code: 'b', name: '乙' }];
    expect(pickerOptions(list)).toEqual([{ label: '甲', value: 'a' }, { label: '乙', value: 'b' }]);
    expect(labelOf(list, 'b')).toBe('乙');
    expect(labelOf(list, 'x')).toBe('');
  });

  test('a change clears the field error and the banners, and counts characters of limited fields', () => {
    expect(fieldsUpdate({ name: '😀张三', status: 'away' }, { name: 32 }, { picking: '' })).toEqual({
      hint: '',
      submitError: '',
      picking: '',
      'form.name': '😀张三',
      'errors.name': '',
      'counts.name': 3,
      'form.status': 'away',
      'errors.status': '',
    });
  });
});

describe('formFieldsBehavior on a page', () => {
  function page() {
    const { formFieldsBehavior } = require('../lib/form-fields');
    const changed = [];
    const id = simulate.load({
      behaviors: [formFieldsBehavior],
      template: '<view>{{form.name}}|{{errors.name}}|{{labels.edu}}|{{picking}}</view>',
      data: { form: { name: '', edu: '' }, errors: {}, counts: {}, limits: { name: 4 }, labels: {} },
      methods: {
        formChanged(keys) {
          changed.push(keys);
        },
        checkField(key, form) {
          return key === 'name' && Array.from(form.name).length > 4 ? '最多4个字' : '';
        },
      },
    });
    const comp = simulate.render(id);
    comp.attach(document.createElement('parent-wrapper'));
    return { comp, changed };
  }

  test('typing, leaving the field, opening and confirming a picker', async () => {
    const { comp, changed } = page();
    const ev = (field, detail) => ({ currentTarget: { dataset: { field } }, detail });

    comp.instance.onFieldChange(ev('name', { value: '欧阳修文章' }));
    expect(comp.instance.data.form.name).toBe('欧阳修文章');
    expect(comp.instance.data.counts.name).toBe(5);
    expect(changed).toEqual([['name']]);

    comp.instance.onFieldBlur(ev('name', { value: '欧阳修文章' }));
    expect(comp.instance.data.errors.name).toBe('最多4个字');
    comp.instance.onFieldChange(ev('name', { value: '欧阳修' }));
    expect(comp.instance.data.errors.name).toBe('');

    comp.instance.onOpenPicker(ev('edu'));
    expect(comp.instance.data.picking).toBe('edu');
    comp.instance.onFieldPick(ev('edu', { value: ['senior'], label: ['高中'] }));
    expect(comp.instance.data.form.edu).toBe('senior');
    expect(comp.instance.data.labels.edu).toBe('高中');
    expect(comp.instance.data.picking).toBe('');
    expect(changed).toEqual([['name'], ['name'], ['edu']]);
    await simulate.sleep(0);
    expect(comp.dom.textContent).toBe('欧阳修||高中|');
  });
});
