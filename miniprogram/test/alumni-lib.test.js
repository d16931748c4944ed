/**
 * Alumni side helpers: the registration form (lib/alumnus-form.js), the
 * redemption keys in storage (lib/redeem-keys.js), points and vouchers in
 * words (lib/points-view.js), the voucher QR code (lib/qr.js) and the
 * points API calls.
 */
const { createFakeWx, BASE_URL } = require('./helpers/fake-wx');
const { ID_CARD, ID_MASKED, ALUMNUS, voucher } = require('./helpers/backend');
const form = require('../lib/alumnus-form');
const view = require('../lib/points-view');
const { qrDataUrl } = require('../lib/qr');
const { isUuid } = require('../lib/uuid');

const SCHOOLS = [{ code: 'xa1z', name: '一中' }];
const ctx = { currentYear: 2026, schools: SCHOOLS };

function valid(overrides) {
  return Object.assign(form.emptyForm(), {
    name: '李四',
    id_card: ID_CARD,
    school_code: 'xa1z',
    entry_year: '2005',
    graduation_year: '2008',
    current_city: '深圳市',
  }, overrides);
}

describe('lib/alumnus-form', () => {
  test('a complete form has no errors; optional fields may stay empty', () => {
    expect(form.validate(valid(), ctx)).toEqual({});
  });

  test('years: not in the future, graduation not before entry', () => {
    expect(form.validate(valid({ entry_year: '2027' }), ctx).entry_year).toBe('入学年份不对，请重新选择');
    expect(form.validate(valid({ graduation_year: '2004' }), ctx).graduation_year).toBe('毕业年份不能早于入学年份');
    expect(form.validate(valid({ graduation_year: '2005' }), ctx)).toEqual({});
  });

  test('names, lengths, unknown schools and a masked ID that does not match', () => {
    expect(form.validate(valid({ name: '李四1' }), ctx).name).toBe('姓名只能填汉字或字母');
    expect(form.validate(valid({ expertise: '长'.repeat(501) }), ctx).expertise).toBe('最多500个字，已超出1个字');
    expect(form.validate(valid({ school_code: 'gone' }), ctx).school_code).toBe('这所学校已不在名单里，请重新选择');
    expect(form.validate(valid(), Object.assign({ maskedIdCard: '1101**********4514' }, ctx)).id_card)
      .toBe('与登记的身份证号（1101**********4514）不一致，请核对');
    expect(form.validate(valid(), Object.assign({ maskedIdCard: ID_MASKED }, ctx))).toEqual({});
  });

  test('the PUT body: numbers for years, trimmed text, offers in a fixed order, consent a boolean', () => {
    const body = form.toPayload(valid({
      id_card: '421202199001011232 ', organization: ' 某公司 ', offers: ['advice', 'bogus', 'talent'], directory_consent: true,
    }));
    expect(body).toEqual({
      name: '李四',
      id_card: ID_CARD,
      school_code: 'xa1z',
      entry_year: 2005,
      graduation_year: 2008,
      current_city: '深圳市',
      organization: '某公司',
      industry: '',
      title: '',
      expertise: '',
      offers: ['talent', 'advice'],
      directory_consent: true,
    });
  });

  test('a record becomes a form without the masked ID, and a status banner', () => {
    const f = form.formFromRecord(ALUMNUS);
    expect(f).toMatchObject({ id_card: '', entry_year: '2005', offers: ['talent', 'advice'], directory_consent: true });
    expect(form.statusOf(ALUMNUS)).toEqual({ label: '已通过', tone: 'green', note: '', grade: '专家库成员' });
    expect(form.statusOf({ status: 'pending', grade_name: '专家库成员' }).grade).toBe('');
    expect(form.statusOf(null)).toBeNull();
    expect(form.formKeyOfServerField('expertise')).toBe('expertise');
    expect(form.formKeyOfServerField('nope')).toBe('');
  });

  test('year pickers run from this year back to 1940; graduation up to 6 years ahead', () => {
    const years = form.yearRange(2026);
    expect(years[0]).toBe('2026');
    expect(years[years.length - 1]).toBe('1940');
    expect(form.graduationYears(2026)[0]).toBe('2032');
  });

  test('as on the server: 毕业年份 and 现居城市 optional, null graduation in the body', () => {
    const f = valid({ graduation_year: '', current_city: '' });
    expect(form.validate(f, ctx)).toEqual({});
    expect(form.toPayload(f)).toMatchObject({ graduation_year: null, current_city: '' });
  });

  test('as on the server: entry 3 years after birth, graduation within 12 years and 6 ahead, names of 2+', () => {
    // ID_CARD: born 1990.
    expect(form.validate(valid({ entry_year: '1992', graduation_year: '' }), ctx).entry_year)
      .toBe('入学年份不能早于1993年（出生后3年），请核对');
    expect(form.validate(valid({ entry_year: '1993', graduation_year: '' }), ctx)).toEqual({});
    expect(form.validate(valid({ entry_year: '2005', graduation_year: '2018' }), ctx).graduation_year)
      .toBe('毕业年份最多比入学年份晚12年，请核对');
    expect(form.validate(valid({ entry_year: '2024', graduation_year: '2032' }), ctx)).toEqual({});
    expect(form.validate(valid({ entry_year: '2024', graduation_year: '2033' }), ctx).graduation_year)
      .toBe('毕业年份不对，最晚可选2032年');
    expect(form.validate(valid({ name: '李' }), ctx).name).toBe('姓名至少2个字');
    expect(form.validate(valid({ current_city: '城'.repeat(33) }), ctx).current_city).toBe('最多32个字，已超出1个字');
  });

  test('drafts keep no ID number in clear', () => {
    const d = form.toDraft(valid());
    expect(d.form.id_card).toBe('');
    expect(d.id_masked).toBe(ID_MASKED);
    expect(JSON.stringify(d)).not.toContain(ID_CARD);
    const back = form.fromDraft({ form: valid() });
    expect(back.form.id_card).toBe('');
    expect(back.idMasked).toBe(ID_MASKED);
  });
});

describe('lib/redeem-keys', () => {
  const simulateWx = global.wx;
  let fake;
  let keys;

  beforeEach(() => {
    fake = createFakeWx({ token: 'tok' });
    global.wx = fake.wx;
    jest.isolateModules(() => {
      keys = require('../lib/redeem-keys');
    });
  });

  afterEach(() => {
    global.wx = simulateWx;
  });

  test('one key per perk until settled, then a new one', () => {
    const k1 = keys.keyFor({ id: 7, name: '年卡' });
    expect(isUuid(k1)).toBe(true);
    expect(keys.keyFor({ id: 7, name: '年卡' })).toBe(k1);
    const k2 = keys.keyFor({ id: 8, name: '工位' });
    expect(k2).not.toBe(k1);
    expect(keys.allPending().map((p) => p.perk_id)).toEqual([7, 8]);

    keys.settle(7);
    expect(keys.pendingFor(7)).toBeNull();
    expect(keys.keyFor({ id: 7, name: '年卡' })).not.toBe(k1);
    keys.settle(7);
    keys.settle(8);
    expect(fake.storage.has('redeem_pending')).toBe(false);
  });
});

describe('lib/points-view', () => {
  test('perks: stock, limit, affordability', () => {
    const p = view.perkView({
      id: 1, name: 'x', category: 'procurement', points_price: 1500, stock: 0, per_person_limit: 2, valid_until: '2027-06-30T15:59:59Z',
    }, 1200);
    expect(p).toMatchObject({
      categoryLabel: '采购推荐', priceText: '1,500', stockText: '已兑完', soldOut: true, limitText: '每人限兑 2 次', affordable: false,
      validText: '兑换截止 2027年6月30日',
    });
    expect(view.perkView({ points_price: 10, stock: null }, null).affordable).toBe(true);
  });

  test('entries and vouchers in words', () => {
    expect(view.entryView({ id: 1, delta: -200, reason_code: 'expire', created_at: '2027-12-31T16:00:00Z', balance_after: 0 }))
      .toMatchObject({ title: '积分到期', delta: '-200', positive: false, time: '2028年1月1日 00:00', expires: '' });
    const v = view.voucherView(voucher({ qr: '' }), Date.parse('2026-12-01T00:00:00Z'));
    expect(v).toMatchObject({ codeText: 'ABCD 2345 6789', qr: 'huixiang:voucher:ABCD23456789', usable: true, statusLabel: '可使用' });
    expect(view.redeemErrorMessage({ code: 'SOMETHING', message: '服务说的话' })).toBe('服务说的话');
  });

  test('the QR code is a GIF data URL drawn on the phone', () => {
    expect(qrDataUrl('huixiang:voucher:ABCD23456789')).toMatch(/^data:image\/gif;base64,R0lGOD/);
    expect(qrDataUrl('')).toBe('');
  });
});

describe('api/points', () => {
  const simulateWx = global.wx;
  let fake;
  let api;

  beforeEach(() => {
    fake = createFakeWx({ token: 'tok' });
    global.wx = fake.wx;
    jest.isolateModules(() => {
      api = require('../api/points');
    });
  });

  afterEach(() => {
    global.wx = simulateWx;
  });

  test('redeem sends the Idempotency-Key header; check-in sends the token; no PATCH', async () => {
    fake.route('POST', '/api/v1/perks/7/redeem', { statusCode: 201, data: voucher() });
    fake.route('POST', '/api/v1/events/12/checkin', { statusCode: 200, data: { event_id: 12, points: 5 } });
    fake.route('POST', '/api/v1/me/vouchers/31/cancel', { statusCode: 200, data: voucher({ status: 'cancelled' }) });
    fake.route('GET', '/api/v1/me/points/entries', { statusCode: 200, data: { items: [], page: 3, page_size: 20, total: 0 } });

    await expect(api.redeemPerk(7, 'key-1')).resolves.toMatchObject({ code: 'ABCD23456789' });
    await api.checkIn('12', 'tok_x');
    await api.cancelVoucher(31);
    await expect(api.getPointEntries(3)).resolves.toMatchObject({ page: 3, items: [] });

    const [redeem] = fake.calls('POST', '/api/v1/perks/7/redeem');
    expect(redeem.header['Idempotency-Key']).toBe('key-1');
    expect(fake.calls('POST', '/api/v1/events/12/checkin')[0].data).toEqual({ token: 'tok_x' });
    expect(fake.wx.request.mock.calls.every(([o]) => ['GET', 'POST', 'PUT'].includes(o.method) && o.url.startsWith(BASE_URL)))
      .toBe(true);
  });
});
