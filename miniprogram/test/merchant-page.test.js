/**
 * 楚商信息 (pages/merchant): the record in words, the "not confirmed for N days" banner and
 * 确认无误, the form for a first record (404) and for changes (industry section → division,
 * enterprises added and removed, PUT with the version), errors in Chinese; and the entries on
 * 我的 and 办事.
 */
const simulate = require('miniprogram-simulate');
const { createFakeWx, envelope } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, type,
} = require('./helpers/page');
const { OPTIONS, TOWNSHIPS, ID_CARD } = require('./helpers/backend');
const { VERSION } = require('../lib/privacy');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

const DAY = 24 * 60 * 60 * 1000;
const ago = (days) => new Date(Date.now() - days * DAY - 60 * 1000).toISOString();

const RECORD = {
  person_id: 5,
  name: '王楚商',
  id_card: '4212**********1232',
  phone: '138****5678',
  township_code: '990101',
  township_name: '官埠桥镇',
  biz_province: '广东省',
  biz_city: '深圳市',
  industry_code: '13',
  industry_name: '农副食品加工业',
  industry_section: 'C',
  section_name: '制造业',
  size_band: 'medium',
  revenue_band: '2000_10000',
  operating_status: 'operating',
  chamber_roles: '深圳咸宁商会副会长',
  intended_fields: ['tea'],
  amount_band: '1000_5000',
  timing: 'within_1y',
  preferred_township: '990102',
  source: 'self',
  enterprises: [{
    name: '深圳楚味食品有限公司', uscc: '', industry_code: '13', province: '广东省', city: '深圳市', size_band: 'medium', revenue_band: '', status: 'operating',
  }],
  confirmed_at: '2026-03-01T02:00:00Z',
  fresh: false,
  fresh_days: 180,
  confirm_due_on: '2026-08-28',
  version: 3,
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-01-01T00:00:00Z',
};

function serve({ record = RECORD, phone = '138****5678' } = {}) {
  fake.route('GET', '/api/v1/options', { statusCode: 200, data: OPTIONS });
  fake.route('GET', '/api/v1/regions', { statusCode: 200, data: { items: TOWNSHIPS } });
  fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone, roles: [] } });
  fake.route('GET', '/api/v1/me/merchant', record
    ? { statusCode: 200, data: record }
    : { statusCode: 404, data: envelope('NOT_REGISTERED', '您还没有登记楚商信息') });
}

async function open() {
  const page = mountPage('merchant');
  await settle(page, (p) => p.instance.data.status !== 'loading', 'loaded');
  return page;
}

/** The user picks `value` in the t-picker at `selector` and taps 确定. */
async function choose(page, selector, value, label) {
  find(page, selector)._exparserNode.triggerEvent('confirm', { value: [value], label: [label || value] });
  await simulate.sleep(0);
}

const puts = () => fake.calls('PUT', '/api/v1/me/merchant');

describe('pages/merchant: the record', () => {
  test('an old record shows the banner; 确认无误 confirms it and the banner goes', async () => {
    serve();
    fake.route('POST', '/api/v1/me/merchant/confirm', {
      statusCode: 200,
      data: Object.assign({}, RECORD, { confirmed_at: '2026-12-04T02:00:00Z', fresh: true, confirm_due_on: '2027-06-02' }),
    });
    const page = await open();

    // N is the server's window (180 days), not the days since the last confirmation.
    expect(text(page, '#stale-text')).toBe('您的信息已超过 180 天未确认（上次确认 2026-03-01），请确认或更新');
    expect(find(page, '#valid-until')).toBeFalsy();
    expect(text(page, '#confirm-btn')).toBe('确认无误');
    await tap(page, '#confirm-btn');
    await settle(page, (p) => !find(p, '#stale-banner'), 'banner hidden');
    expect(text(page, '#valid-until')).toBe('信息有效期至 2027-06-02');

    expect(fake.calls('POST', '/api/v1/me/merchant/confirm')).toHaveLength(1);
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已确认，谢谢您' }));
    expect(puts()).toHaveLength(0);
  });

  test('a fresh record has no banner; the record reads in words with the phone masked', async () => {
    serve({ record: Object.assign({}, RECORD, { fresh: true, confirmed_at: ago(3), confirm_due_on: '2027-05-30' }) });
    const page = await open();

    expect(find(page, '#stale-banner')).toBeFalsy();
    expect(text(page, '#valid-until')).toBe('信息有效期至 2027-05-30');
    expect(text(page, '#row-industry')).toContain('制造业 · 农副食品加工业');
    expect(text(page, '#row-township')).toContain('官埠桥镇');
    expect(text(page, '#row-place')).toContain('广东省 深圳市');
    expect(text(page, '#row-size')).toContain('中型');
    expect(text(page, '#row-revenue')).toContain('2000 万–1 亿元');
    expect(text(page, '#row-fields')).toContain('茶叶');
    expect(text(page, '#row-amount')).toContain('1000–5000 万元');
    expect(text(page, '#row-timing')).toContain('一年内');
    expect(text(page, '#row-preferred')).toContain('向阳湖镇');
    expect(text(page, '#row-phone')).toContain('138****5678');
    expect(text(page, '#enterprise-line-0')).toContain('深圳楚味食品有限公司');
    expect(page.dom.textContent).not.toContain('1000_5000');
    expect(page.dom.textContent).not.toContain('within_1y');
  });

  test('a failed confirmation is said in Chinese and the banner stays', async () => {
    serve();
    fake.route('POST', '/api/v1/me/merchant/confirm', { statusCode: 503, data: envelope('DEPENDENCY_UNAVAILABLE', '服务暂时不可用，请稍后重试') });
    const page = await open();
    await tap(page, '#confirm-btn');
    await settle(page, () => fake.wx.showToast.mock.calls.length > 0, 'toast');
    expect(fake.wx.showToast.mock.calls[0][0].title).toBe('服务暂时不可用，请稍后重试');
    expect(find(page, '#stale-banner')).toBeTruthy();
  });

  test('a failed load says so in Chinese with 重新加载', async () => {
    serve();
    fake.route('GET', '/api/v1/me/merchant', { fail: { errMsg: 'request:fail timeout' } }, { statusCode: 200, data: RECORD });
    const page = await open();
    expect(text(page, '#state >>> #state-message')).toContain('网络');
    await tap(page, '#state >>> #state-retry');
    await settle(page, (p) => find(p, '#record-card'), 'record');
  });
});

describe('pages/merchant: the form', () => {
  test('no record yet (404): the form; what is missing is named in Chinese', async () => {
    serve({ record: null });
    const page = await open();

    expect(find(page, '#new-intro')).toBeTruthy();
    expect(text(page, '#identity-hint')).toContain('做过返乡登记或校友登记的，不用填写');
    expect(fake.wx.showToast).not.toHaveBeenCalled();
    await tap(page, '#save-btn');

    expect(text(page, '#err-township_code')).toBe('请选择籍贯乡镇（街道）');
    expect(text(page, '#err-biz_province')).toBe('请填写经营所在省份');
    expect(text(page, '#err-industry_code')).toBe('请选择所属行业');
    expect(text(page, '#form-hint')).toBe('请先改正标红的内容');
    expect(puts()).toHaveLength(0);
  });

  test('a first record: hometown, province, industry (section then division), an enterprise added and one removed → PUT', async () => {
    serve({ record: null });
    const saved = Object.assign({}, RECORD, { fresh: true, confirmed_at: new Date().toISOString(), version: 1 });
    fake.route('PUT', '/api/v1/me/merchant', { statusCode: 200, data: saved });
    const page = await open();

    await tap(page, '#township-cell');
    await choose(page, '#township-picker', '990101', '官埠桥镇');
    expect(text(page, '#township-cell')).toContain('官埠桥镇');
    await type(page, '#input-biz_province', '广东省');
    await type(page, '#input-biz_city', '深圳市');
    await tap(page, '#industry-cell');
    expect(page.instance.data.picking).toBe('industry_section');
    await choose(page, '#section-picker', 'C', '制造业');
    expect(page.instance.data.picking).toBe('industry_code');
    await choose(page, '#division-picker', '13', '农副食品加工业');
    expect(text(page, '#industry-cell')).toContain('制造业 · 农副食品加工业');
    await tap(page, '#amount-cell');
    await choose(page, '#amount-picker', '1000_5000', '1000–5000 万元');

    await tap(page, '#add-enterprise-btn');
    await tap(page, '#add-enterprise-btn');
    await settle(page, (p) => find(p, '#enterprise-1'), 'two enterprises');
    await type(page, '#ent-0-name', '要删掉的公司');
    await type(page, '#ent-1-name', '深圳楚味食品有限公司');
    await type(page, '#ent-1-uscc', 'bad');
    await tap(page, '#ent-0-remove');
    await settle(page, (p) => !find(p, '#enterprise-1'), 'one left');
    expect(page.instance.data.form.enterprises.map((e) => e.name)).toEqual(['深圳楚味食品有限公司']);

    // A wrong credit code is refused before sending, in words.
    await tap(page, '#save-btn');
    expect(text(page, '#err-enterprise-0')).toContain('统一社会信用代码应为18位');
    expect(puts()).toHaveLength(0);
    await type(page, '#ent-0-uscc', '');
    await tap(page, '#save-btn');
    await settle(page, (p) => p.instance.data.mode === 'view', 'saved');

    expect(puts()).toHaveLength(1);
    expect(puts()[0].data).toEqual({
      township_code: '990101',
      biz_province: '广东省',
      biz_city: '深圳市',
      industry_code: '13',
      size_band: '',
      revenue_band: '',
      operating_status: 'operating',
      chamber_roles: '',
      intended_fields: [],
      amount_band: '1000_5000',
      timing: '',
      preferred_township: '',
      enterprises: [{
        name: '深圳楚味食品有限公司', uscc: '', industry_code: '', province: '', city: '', size_band: '', revenue_band: '', status: 'operating',
      }],
    });
    expect(fake.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已保存' }));
    expect(find(page, '#stale-banner')).toBeFalsy();
    expect(find(page, '#record-card')).toBeTruthy();
  });

  test('someone with no registration yet is asked for name and ID number (422 on id_card), sent with consent', async () => {
    serve({ record: null });
    fake.route('PUT', '/api/v1/me/merchant',
      { statusCode: 422, data: { error: { code: 'VALIDATION_FAILED', message: '请填写姓名和身份证号', field: 'id_card' } } },
      { statusCode: 200, data: Object.assign({}, RECORD, { fresh: true }) });
    // The privacy policy was accepted earlier (lib/privacy VERSION kept on the phone).
    fake.storage.set('privacy_accepted', VERSION);
    const page = await open();
    page.instance.setData({
      'form.township_code': '990101', 'form.biz_province': '广东省', 'form.industry_code': 'C',
    });

    await tap(page, '#save-btn');
    await settle(page, (p) => find(p, '#err-id_card'), 'asked for the ID number');
    expect(text(page, '#err-id_card')).toBe('请填写姓名和身份证号');
    expect(text(page, '#identity-hint')).toContain('第一次登记，请填写姓名和身份证号');

    await type(page, '#input-name', '王楚商');
    await type(page, '#input-id_card', ID_CARD);
    await tap(page, '#save-btn');
    await settle(page, (p) => p.instance.data.mode === 'view', 'saved');
    expect(puts()).toHaveLength(2);
    expect(puts()[0].data).not.toHaveProperty('id_card');
    expect(puts()[1].data).toMatchObject({ name: '王楚商', id_card: ID_CARD, township_code: '990101' });
    expect(JSON.stringify(Array.from(fake.storage.entries()))).not.toContain(ID_CARD);
  });

  test('修改: the form holds the record; a change is sent with the version; 不改了 goes back', async () => {
    serve();
    fake.route('PUT', '/api/v1/me/merchant', { statusCode: 200, data: Object.assign({}, RECORD, { chamber_roles: '深圳咸宁商会会长', fresh: true, version: 4 }) });
    const page = await open();

    await tap(page, '#edit-btn');
    await settle(page, (p) => find(p, '#form'), 'form');
    expect(find(page, '#field-id_card')).toBeFalsy();
    expect(text(page, '#identity-name')).toBe('王楚商');
    expect(text(page, '#township-cell')).toContain('官埠桥镇');
    expect(text(page, '#industry-cell')).toContain('农副食品加工业');
    expect(text(page, '#amount-cell')).toContain('1000–5000 万元');
    expect(text(page, '#field-phone')).toContain('138****5678');
    expect(page.instance.data.form.enterprises).toHaveLength(1);

    await tap(page, '#cancel-edit-btn');
    expect(find(page, '#record-card')).toBeTruthy();
    await tap(page, '#edit-btn');

    await type(page, '#input-chamber_roles', '深圳咸宁商会会长');
    await tap(page, '#save-btn');
    await settle(page, (p) => p.instance.data.mode === 'view', 'saved');
    const body = puts()[0].data;
    expect(body.version).toBe(3);
    expect(body.chamber_roles).toBe('深圳咸宁商会会长');
    expect(body.intended_fields).toEqual(['tea']);
    expect(body.enterprises[0]).toMatchObject({ name: '深圳楚味食品有限公司', industry_code: '13', size_band: 'medium' });
    expect(body).not.toHaveProperty('id_card');
    expect(text(page, '#row-chamber')).toContain('深圳咸宁商会会长');
  });

  test('a save the server refuses shows its Chinese words; no network keeps what was typed', async () => {
    serve();
    fake.route('PUT', '/api/v1/me/merchant',
      { statusCode: 409, data: { error: { code: 'USCC_TAKEN', message: '统一社会信用代码已登记在其他楚商名下，请核对', field: 'enterprises' } } },
      { fail: { errMsg: 'request:fail timeout' } });
    const page = await open();
    await tap(page, '#edit-btn');

    await tap(page, '#save-btn');
    await settle(page, (p) => find(p, '#err-enterprises'), 'server error');
    expect(text(page, '#err-enterprises')).toBe('统一社会信用代码已登记在其他楚商名下，请核对');

    await type(page, '#input-biz_city', '东莞市');
    await tap(page, '#save-btn');
    await settle(page, (p) => find(p, '#submit-error'), 'network');
    expect(text(page, '#submit-error')).toContain('手机没有连上网络，信息还没有保存');
    expect(page.instance.data.form.biz_city).toBe('东莞市');
    expect(page.instance.data.mode).toBe('edit');
  });
});

describe('entries', () => {
  test('我的 has 楚商信息 and 为您推荐', async () => {
    fake.route('GET', '/api/v1/me', { statusCode: 200, data: { id: 1, phone: '138****5678', roles: [] } });
    const page = mountPage('mine');
    await settle(page, (p) => find(p, '#go-merchant'));
    expect(text(page, '#go-merchant')).toBe('楚商信息');
    expect(text(page, '#go-matches')).toBe('为您推荐');
    await tap(page, '#go-merchant');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/merchant/merchant' }));
    await tap(page, '#go-matches');
    expect(fake.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/matches/matches' }));
  });

  test('办事 has 招商项目 under 楚商回乡', async () => {
    const page = mountPage('services');
    await settle(page, (p) => find(p, '#go-projects'));
    expect(text(page, '#section-investment')).toContain('楚商回乡');
    expect(text(page, '#go-projects')).toContain('招商项目');
    await tap(page, '#go-projects');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/projects/projects' }));
  });
});
