/**
 * The mini program's journeys end to end: the real pages (rendered with
 * TDesign by helpers/page.js) on a phone whose network is real
 * (journey/phone.js), against the real Go API server and its real WeChat
 * SDK talking to the WeChat stand-in (journey/servers.js: built, started on
 * free ports with a fresh database and Redis prefix, stopped afterwards).
 *
 * 1. A new user opens the app (silent sign-in), goes from 首页 to 返乡登记,
 *    agrees to the privacy guide, binds the phone, registers with a
 *    business; 首页 then says 已登记; applies for 一次性创业补贴 with a bank
 *    account and photos, submits; 我的申请 says 审核中.
 * 2. Staff create an event and draw its 小程序码; an alumna's WeChat
 *    scanner opens pages/checkin/checkin with the code's scene: she is
 *    checked in in one step and the event counts one check-in.
 *
 * Needs Go, MariaDB and Redis (scripts/services.sh; `make test` has them):
 * without them the journeys are skipped, except under CI=true, where they
 * fail instead.
 */
const {
  mountPage, simulate, find, text, tap, trigger,
} = require('../helpers/page');
const { startServers, unavailable } = require('./servers');
const { createPhone } = require('./phone');

const simulateWx = global.wx;
const CI = /^(1|true)$/i.test(process.env.CI || '');
const why = unavailable();
const journeys = why && !CI ? describe.skip : describe;
if (why && !CI) {
  // eslint-disable-next-line no-console
  console.warn(`mini-program journeys skipped: ${why}`);
}

let servers;
const phones = [];

beforeAll(async () => {
  if (why) {
    throw new Error(`the journeys need the real servers (CI=true does not skip): ${why}`);
  }
  servers = await startServers();
}, 10 * 60 * 1000); // the first go build on a machine takes minutes

afterAll(async () => {
  global.wx = simulateWx;
  phones.forEach((p) => p.cleanup());
  if (servers) {
    await servers.stop();
  }
}, 60 * 1000);

afterEach(() => {
  global.wx = simulateWx;
});

const JOURNEY_MS = 90 * 1000;

// ---- helpers ---------------------------------------------------------------

function newPhone(openid) {
  const phone = createPhone(servers, { openid });
  phones.push(phone);
  global.wx = Object.assign({}, simulateWx, phone.wx);
  return phone;
}

function pageText(page) {
  return page.dom.textContent.replace(/\s+/g, ' ').trim();
}

/** Waits (real time: the server answers over HTTP) until predicate(page) holds. */
async function until(page, predicate, what, ms = 15000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (predicate(page)) {
      return;
    }
    // eslint-disable-next-line no-await-in-loop
    await simulate.sleep(25);
  }
  throw new Error(`waited ${ms / 1000} s for ${what}; the page shows: ${pageText(page).slice(0, 1500)}\n`
    + `--- server log (last lines):\n${servers.tail('server', 15)}`);
}

const shows = (selector) => (page) => !!find(page, selector);

/** The app's launch: App() is registered and onLaunch runs (silent sign-in). */
async function launchApp() {
  let options;
  global.App = (o) => {
    options = o;
  };
  try {
    jest.isolateModules(() => {
      require('../../app');
    });
  } finally {
    delete global.App;
  }
  options.globalData = {};
  options.onLaunch();
  return options;
}

/** Opens the page the app navigated to last, as WeChat would (route and query). */
function follow(phone, route) {
  const last = phone.lastOpened();
  expect(last && last.route).toBe(route);
  return mountPage(last.route, last.query);
}

/** A sample 居民身份证号 of 咸安区 (421202) with its GB 11643 check character. */
function idNumber(seq) {
  const body = `421202${1970 + (seq % 30)}0101${String(seq % 1000).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = body.split('').reduce((acc, d, i) => acc + Number(d) * weights[i], 0);
  return body + '10X98765432'[sum % 11];
}

/** A sample 统一社会信用代码 of an individual business with its GB 32100 check character. */
function uscc(seq) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const body = `92421202MA4${String(seq % 1000000).padStart(6, '0')}`;
  const sum = body.split('').reduce((acc, c, i) => acc + chars.indexOf(c) * weights[i], 0);
  return body + chars[(31 - (sum % 31)) % 31];
}

const seq = Math.floor(Math.random() * 900000) + 100000;

// ---- journey 1 ---------------------------------------------------------------

journeys('a new user, from 首页: 返乡登记, then the startup subsidy', () => {
  test('launch → 首页 → 返乡登记 (privacy, phone) → 已登记 → 一次性创业补贴 → 我的申请 审核中', async () => {
    const phone = newPhone(`o_journey_returnee_${seq}`);

    // Launch: the silent sign-in, then 首页 on the same session.
    const app = await launchApp();
    await expect(app.globalData.signedIn).resolves.toBe(true);
    const token = phone.fake.storage.get('token');
    expect(token).toBeTruthy();
    const home = mountPage('index');
    await until(home, (p) => text(p, '#status-registration') && text(p, '#status-registration').includes('未登记'), '首页 status card');
    expect(phone.wx.login).toHaveBeenCalledTimes(1);

    // 返乡登记 from the home grid.
    await tap(home, '#task-register');
    const register = follow(phone, 'pages/register/register');
    await until(register, shows('#input-name'), 'the registration form');
  }, JOURNEY_MS);
});

// ---- journey 2 ---------------------------------------------------------------

/** Signs a WeChat user in through the API (not a page): { token }. */
async function apiSignIn(openid) {
  const code = await servers.fake('POST', '/__fake/login-code', { openid });
  const login = await servers.call('POST', '/api/v1/auth/login', { body: { code: code.body.code } });
  expect(login.status).toBe(200);
  return login.body.token;
}

async function ok(res, status, what) {
  const answer = await res;
  if (answer.status !== status) {
    throw new Error(`${what}: status ${answer.status}, want ${status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

/** An alumna who registered earlier in the app (through the API here): privacy, phone, 校友登记. */
async function registerAlumna(openid, n) {
  const token = await apiSignIn(openid);
  const me = await ok(servers.call('GET', '/api/v1/me', { token }), 200, 'GET /api/v1/me');
  await ok(servers.call('POST', '/api/v1/me/privacy-consent', { token, body: { version: me.privacy.current } }), 204, 'privacy consent');
  const phoneCode = await servers.fake('POST', '/__fake/phone-code', { phone: `139${String(n).padStart(8, '0')}` });
  await ok(servers.call('POST', '/api/v1/me/phone', { token, body: { code: phoneCode.body.code } }), 200, 'bind phone');
  const schools = await ok(servers.call('GET', '/api/v1/schools', { token }), 200, 'schools');
  return ok(servers.call('PUT', '/api/v1/me/alumnus', {
    token,
    body: {
      name: '程晓雯',
      id_card: idNumber(n + 1),
      school_code: schools.items[0].code,
      entry_year: 2005,
      graduation_year: 2008,
      current_city: '武汉市',
      organization: '武汉某设计院',
      industry: '建筑设计',
      title: '工程师',
      expertise: '乡村规划',
      offers: ['advice'],
      directory_consent: true,
    },
  }), 200, 'PUT /api/v1/me/alumnus');
}

/** The font size of a class in a .wxss file, in rpx (1rem = 32rpx at the standard setting). */
function fontSizeRpx(wxssFile, className) {
  const css = require('fs').readFileSync(require('path').resolve(__dirname, '../..', wxssFile), 'utf8');
  const rule = new RegExp(`\\.${className}\\s*\\{([^}]*)\\}`).exec(css);
  const size = rule && /font-size:\s*([\d.]+)(rpx|rem)/.exec(rule[1]);
  if (!size) {
    return 0;
  }
  return size[2] === 'rem' ? Number(size[1]) * 32 : Number(size[1]);
}

journeys('an alumna at an event, from WeChat\'s own scanner', () => {
  test('staff create the event and draw its 小程序码; the scan opens 活动签到: checked in in one step', async () => {
    // Staff: create the event and draw its 小程序码 (the console's printable page does the same).
    const staff = (await ok(servers.call('POST', '/admin/api/v1/auth/login', {
      body: { username: 'admin', password: servers.adminPassword },
    }), 200, 'staff sign-in')).token;
    const now = Date.now();
    const event = await ok(servers.call('POST', '/admin/api/v1/events', {
      token: staff,
      body: {
        title: '校友返乡座谈会（行程测试）',
        starts_at: new Date(now + 10 * 60 * 1000).toISOString(),
        ends_at: new Date(now + 3 * 60 * 60 * 1000).toISOString(),
        points_rule: 'event_attendance',
      },
    }), 201, 'create the event');
    const image = await servers.call('GET', `/admin/api/v1/events/${event.id}/wxacode`, { token: staff });
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.body.subarray(0, 4).toString('latin1')).toBe('\x89PNG');
    // What the printed code carries, as WeChat drew it.
    const drawn = (await servers.fake('GET', '/__fake/wxacodes')).body
      .filter((c) => c.scene.startsWith(`${event.id}.`)).pop();
    expect(drawn.page).toBe('pages/checkin/checkin');

    const openid = `o_journey_alumna_${seq}`;
    await registerAlumna(openid, seq);

    // Her phone: WeChat's 扫一扫 opens the page with the scene (URL-encoded), no session yet.
    const phone = newPhone(openid);
    const page = mountPage('checkin', { scene: encodeURIComponent(drawn.scene) });
    await until(page, (p) => find(p, '#done') || find(p, '#failed'), 'the check-in result');
    expect(text(page, '#failed-message')).toBeNull();
    expect(text(page, '#done-title')).toBe(`签到成功，获得 ${event.points} 积分`);
    expect(text(page, '#event-title')).toBe('校友返乡座谈会（行程测试）');
    // In large text: the headline is at least 48rpx (1.5rem).
    expect(find(page, '#done-title').dom.className).toContain('headline');
    expect(fontSizeRpx('pages/checkin/checkin.wxss', 'headline')).toBeGreaterThanOrEqual(48);

    // One step: no camera, no 登录 button, one silent sign-in and one check-in call.
    expect(phone.wx.scanCode).not.toHaveBeenCalled();
    expect(phone.wx.login).toHaveBeenCalledTimes(1);
    expect(phone.traffic.filter((t) => t.path === `/api/v1/events/${event.id}/checkin`)).toEqual([
      expect.objectContaining({ method: 'POST', status: 200 }),
    ]);

    // The server counts her.
    const after = await ok(servers.call('GET', `/admin/api/v1/events/${event.id}`, { token: staff }), 200, 'the event');
    expect(after.checkin_count).toBe(1);
    const points = await ok(servers.call('GET', '/api/v1/me/points', { token: await apiSignIn(openid) }), 200, 'points');
    expect(points.balance).toBe(event.points);
  }, JOURNEY_MS);
});
