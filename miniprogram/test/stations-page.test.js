/**
 * 服务网点 (pages/stations): by township (the person's own first), 离我最近
 * through wx.getLocation (gcj02, declared in app.json), the refusal falling
 * back to the person's township with a plain sentence, a map with markers,
 * tap to call, 导航 through wx.openLocation.
 */
const fs = require('fs');
const path = require('path');
const { createFakeWx: createStrictWx, RULES } = require('./helpers/fake-wx');
const {
  mountPage, settle, find, text, tap, pick, trigger,
} = require('./helpers/page');
const view = require('../lib/stations-view');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createStrictWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

const TOWNSHIPS = [
  { code: '421202100', name: '温泉街道', level: 'township' },
  { code: '421202105', name: '贺胜桥镇', level: 'township' },
];

function point(over) {
  return Object.assign({
    id: 1,
    name: '贺胜桥镇零工驿站',
    kind: 'gig_station',
    kind_name: '零工驿站',
    level: 'township',
    township_code: '421202105',
    township_name: '贺胜桥镇',
    address: '贺胜路 18 号',
    lat: 29.96,
    lng: 114.35,
    opening_hours: '周一至周五 8:30-17:30',
    phone: '0715-8123456',
    services: '找零工、登记求职',
    businesses_hosted: null,
  }, over);
}

const PARK = point({
  id: 2, name: '咸安返乡创业园', kind: 'park', kind_name: '产业园区/孵化基地', level: 'district', township_code: null, township_name: null, businesses_hosted: 36, phone: '',
});

const KINDS = [{ code: 'park', name: '产业园区/孵化基地' }, { code: 'gig_station', name: '零工驿站' }];
const list = (...items) => ({ statusCode: 200, data: { items, kinds: KINDS, levels: [] } });
const POINTS = '/api/v1/service-points';
const lastQuery = () => {
  const calls = fake.wx.request.mock.calls.map((c) => c[0]).filter((o) => o.url.endsWith(POINTS));
  return calls[calls.length - 1].data;
};

function registered(townshipCode) {
  fake.route('GET', '/api/v1/regions', { statusCode: 200, data: { items: TOWNSHIPS } });
  fake.route('GET', '/api/v1/me/returnee', townshipCode
    ? { statusCode: 200, data: { township_code: townshipCode, name: '张三' } }
    : { statusCode: 404, data: { error: { code: 'NOT_REGISTERED', message: '还没有登记' } } });
}

async function open() {
  const page = mountPage('stations');
  await settle(page, (p) => !find(p, '#state >>> #state-loading') && fake.calls('GET', POINTS).length, 'loaded');
  return page;
}

describe('app.json and the privacy policy', () => {
  test('getLocation is declared, with the reason WeChat shows', () => {
    const app = JSON.parse(fs.readFileSync(path.join(__dirname, '../app.json'), 'utf8'));
    expect(app.requiredPrivateInfos).toContain('getLocation');
    const desc = app.permission['scope.userLocation'].desc;
    expect(desc).toContain('网点');
    expect(desc.length).toBeLessThanOrEqual(30);
    expect(app.pages).toContain('pages/stations/stations');
  });

  test('the privacy page names the location: what, why, not stored', async () => {
    const page = mountPage('privacy');
    await settle(page, (p) => p.dom.textContent.includes('我们收集哪些信息'));
    const all = page.dom.textContent;
    expect(all).toMatch(/位置/);
    expect(all).toMatch(/离您最近的服务网点/);
    expect(all).toMatch(/位置不保存/);
  });
});

describe('pages/stations', () => {
  test('opens on the person\'s own township; cards with kind, address, hours, services', async () => {
    registered('421202105');
    fake.route('GET', POINTS, list(point()));
    const page = await open();

    expect(lastQuery()).toEqual({ township: '421202105' });
    expect(text(page, '#township-name')).toBe('贺胜桥镇');
    expect(text(page, '#point-1-name')).toBe('贺胜桥镇零工驿站');
    expect(text(page, '#point-1-kind')).toBe('零工驿站');
    expect(text(page, '#point-1-address')).toBe('地址：贺胜桥镇贺胜路 18 号');
    expect(text(page, '#point-1-hours')).toBe('开放时间：周一至周五 8:30-17:30');
    expect(text(page, '#point-1-services')).toBe('能办：找零工、登记求职');
    expect(find(page, '#point-1-distance')).toBeFalsy();
    expect(text(page, '#kind-gig_station')).toBe('零工驿站');
  });

  test('not registered: the whole district; the picker chooses a township', async () => {
    registered(null);
    fake.route('GET', POINTS, list(point(), PARK), list());
    const page = await open();
    expect(lastQuery()).toEqual({});
    expect(text(page, '#township-name')).toBe('全区');
    expect(text(page, '#point-2-hosted')).toBe('入驻企业 36 家');
    expect(find(page, '#call-2')).toBeFalsy();

    await pick(page, '#township-picker', 1);
    await settle(page, (p) => find(p, '#state >>> #state-empty'), 'empty township');
    expect(lastQuery()).toEqual({ township: '421202100' });
    expect(text(page, '#state')).toContain('这个乡镇暂时没有登记的网点');
  });

  test('离我最近: gcj02 position sent once, nearest first with the distance', async () => {
    registered('421202105');
    fake.route('GET', POINTS, list(point()), list(point({ distance_m: 1234 }), Object.assign({}, PARK, { distance_m: 15600 })));
    const page = await open();

    await tap(page, '#nearest');
    await settle(page, (p) => find(p, '#point-1-distance'), 'nearest');
    expect(fake.wx.getLocation).toHaveBeenCalledWith(expect.objectContaining({ type: 'gcj02' }));
    expect(lastQuery()).toEqual({ lat: 29.852, lng: 114.322 });
    expect(text(page, '#point-1-distance')).toBe('离您约 1.2 公里');
    expect(text(page, '#point-2-distance')).toBe('离您约 16 公里');
    expect(text(page, '#township-name')).toBe('按离我远近');
    // The position is not kept on the phone.
    expect(JSON.stringify(Array.from(fake.storage.entries()))).not.toMatch(/29\.852|114\.322/);
  });

  test('位置 refused: one plain sentence and the person\'s township', async () => {
    registered('421202105');
    fake.location = 'denied';
    fake.route('GET', POINTS, list(point()));
    const page = await open();

    await tap(page, '#nearest');
    await settle(page, (p) => find(p, '#location-notice'), 'notice');
    expect(text(page, '#location-notice')).toContain('您没有允许使用位置，先列出您登记的贺胜桥镇的网点。');
    expect(text(page, '#settings-hint')).toContain('设置');
    expect(lastQuery()).toEqual({ township: '421202105' });
    expect(text(page, '#township-name')).toBe('贺胜桥镇');
  });

  test('location service off, not registered: the whole district, said so', async () => {
    registered(null);
    fake.location = 'off';
    fake.route('GET', POINTS, list(point()));
    const page = await open();
    await tap(page, '#nearest');
    await settle(page, (p) => find(p, '#location-notice'), 'notice');
    expect(text(page, '#location-notice')).toBe('手机的定位没有打开，先列出全区的网点，您可以在上面选乡镇。');
    expect(find(page, '#settings-hint')).toBeFalsy();
  });

  test('privacy: getLocation waits for the consent through the page\'s popup', async () => {
    registered('421202105');
    fake.privacyAuthorized = false;
    fake.route('GET', POINTS, list(point()));
    const page = await open();
    await tap(page, '#nearest');
    await settle(page, () => fake.privacyAnswers.length || fake.wx.getLocation.mock.calls.length, 'asked');
    expect(fake.violations.filter((v) => v.rule === RULES.PRIVACY_POPUP_MISSING)).toEqual([]);
  });

  test('map with markers; a marker shows its point; 打电话 and 导航', async () => {
    registered('421202105');
    fake.route('GET', POINTS, list(point(), point({ id: 3, name: '无坐标的站', lat: null, lng: null })));
    const page = await open();
    expect(find(page, '#navigate-3')).toBeFalsy();

    await tap(page, '#call-1');
    expect(fake.wx.makePhoneCall).toHaveBeenCalledWith(expect.objectContaining({ phoneNumber: '07158123456' }));
    await tap(page, '#navigate-1');
    expect(fake.wx.openLocation).toHaveBeenCalledWith(expect.objectContaining({
      latitude: 29.96, longitude: 114.35, name: '贺胜桥镇零工驿站', address: '贺胜路 18 号',
    }));

    await tap(page, '#toggle-map');
    await settle(page, (p) => find(p, '#map'), 'map');
    expect(page.instance.data.markers).toEqual([expect.objectContaining({
      id: 0, latitude: 29.96, longitude: 114.35, iconPath: '/images/map-marker.png',
    })]);
    expect(fs.existsSync(path.join(__dirname, '..', view.MARKER_ICON))).toBe(true);
    expect(find(page, '#point-1')).toBeFalsy();
    await trigger(page, '#map', 'markertap', { markerId: 0 });
    await settle(page, (p) => find(p, '#point-1'), 'marker card');
    expect(text(page, '#toggle-map')).toBe('看列表');
  });

  test('a kind chip asks for that kind in the same township', async () => {
    registered('421202105');
    fake.route('GET', POINTS, list(point()));
    const page = await open();
    await tap(page, '#kind-park');
    await settle(page, () => lastQuery().kind === 'park', 'kind');
    expect(lastQuery()).toEqual({ kind: 'park', township: '421202105' });
  });

  test('distances and fallbacks in words', () => {
    expect(view.distanceText(85)).toBe('离您约 90 米');
    expect(view.distanceText(3)).toBe('离您约 10 米');
    expect(view.distanceText(9999)).toBe('离您约 10.0 公里');
    expect(view.distanceText(undefined)).toBe('');
    expect(view.locationFallbackText('getLocation:fail timeout', '')).toBe('没能读到您的位置，先列出全区的网点，您可以在上面选乡镇。');
  });

  test('the fake refuses getLocation without gcj02', () => {
    fake.wx.getLocation({ type: 'wgs84' });
    expect(fake.takeViolations().map((v) => v.rule)).toEqual([RULES.LOCATION_TYPE]);
  });
});
