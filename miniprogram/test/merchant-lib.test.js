/**
 * 楚商信息 helpers: the industries list equals the server's migration, the form's limits and
 * code lists equal openapi.yaml's MerchantInput, the stale banner's days.
 */
const fs = require('fs');
const path = require('path');
const contract = require('./contract/openapi');
const { SECTIONS, industryName, divisionOptions } = require('../pages/project/industries');
const model = require('../pages/merchant/form');

const MIGRATION = path.resolve(__dirname, '../../internal/sqldb/migrations/00037_merchants.sql');

describe('industries', () => {
  test('the sections and divisions are the migration\'s, names and parents alike', () => {
    const sql = fs.readFileSync(MIGRATION, 'utf8');
    const rows = [];
    const re = /\('([A-Z0-9]+)', (NULL|'([A-Z])'), ([12]), '([^']+)'\)/g;
    let m = re.exec(sql);
    while (m) {
      rows.push({ code: m[1], parent: m[3] || null, name: m[5] });
      m = re.exec(sql);
    }
    const ours = [];
    SECTIONS.forEach((s) => {
      ours.push({ code: s.code, parent: null, name: s.name });
      s.divisions.forEach((d) => ours.push({ code: d.code, parent: s.code, name: d.name }));
    });
    const byCode = (a, b) => (a.code < b.code ? -1 : 1);
    expect(rows.length).toBe(117);
    expect(ours.sort(byCode)).toEqual(rows.sort(byCode));
  });

  test('names for a section, a division and a project\'s code; the division picker starts with the whole section', () => {
    expect(industryName('A')).toBe('农、林、牧、渔业');
    expect(industryName('65')).toBe('软件和信息技术服务业');
    expect(industryName('I65')).toBe('软件和信息技术服务业');
    expect(divisionOptions('H')).toEqual([
      { label: '不细分（住宿和餐饮业）', value: 'H' },
      { label: '住宿业', value: '61' },
      { label: '餐饮业', value: '62' },
    ]);
  });
});

describe('the form and the server agree', () => {
  const doc = contract.load();
  const input = contract.component(doc, 'MerchantInput');
  const enterprise = contract.component(doc, 'MerchantEnterprise');

  test('text limits equal maxLength', () => {
    Object.keys(model.LIMITS).forEach((key) => {
      expect([key, model.LIMITS[key]]).toEqual([key, input.properties[key].maxLength]);
    });
    expect(model.ENTERPRISE_LIMITS.name).toBe(enterprise.properties.name.maxLength);
    expect(model.ENTERPRISE_LIMITS.province).toBe(enterprise.properties.province.maxLength);
    expect(model.MAX_FIELDS).toBe(input.properties.intended_fields.maxItems);
    expect(model.MAX_ENTERPRISES).toBe(input.properties.enterprises.maxItems);
  });

  test('every code list is the schema\'s enum (less the empty choice)', () => {
    Object.keys(model.BANDS).forEach((key) => {
      const codes = model.BANDS[key].map((o) => o.code);
      expect([key, codes]).toEqual([key, input.properties[key].enum.filter((c) => c !== '')]);
    });
  });
});

describe('staleInfo', () => {
  const now = Date.parse('2026-12-04T08:00:00Z');
  test('the server\'s fresh decides; days are the server\'s window (fresh_days)', () => {
    const stale = model.staleInfo({
      fresh: false, fresh_days: 180, confirm_due_on: '2026-10-28', confirmed_at: '2026-05-01T08:00:00Z',
    }, now);
    expect(stale).toEqual({
      stale: true,
      days: 180,
      confirmedOn: '2026年5月1日',
      confirmedDate: '2026-05-01',
      dueOn: '2026-10-28',
      text: '您的信息已超过 180 天未确认（上次确认 2026-05-01），请确认或更新',
      validText: '',
    });
    const fresh = model.staleInfo({
      fresh: true, fresh_days: 180, confirm_due_on: '2027-05-30', confirmed_at: '2026-12-01T08:00:00Z',
    }, now);
    expect(fresh.stale).toBe(false);
    expect(fresh.validText).toBe('信息有效期至 2027-05-30');
  });

  test('the confirmation date is Beijing\'s: 20:00 UTC is the next day', () => {
    expect(model.staleInfo({ fresh: false, fresh_days: 90, confirmed_at: '2026-02-28T20:00:00Z' }, now).text)
      .toBe('您的信息已超过 90 天未确认（上次确认 2026-03-01），请确认或更新');
  });

  test('a server without the window: whole days since the confirmation; nothing: no dates', () => {
    const old = model.staleInfo({ fresh: false, confirmed_at: '2026-05-01T08:00:00Z' }, now);
    expect([old.days, old.dueOn, old.validText]).toEqual([217, '', '']);
    expect(model.staleInfo({ fresh: true, confirm_due_on: 'soon' }, now).validText).toBe('');
    const none = model.staleInfo({}, now);
    expect([none.stale, none.days, none.confirmedOn, none.confirmedDate]).toEqual([false, 0, '', '']);
  });
});
