/**
 * 办事: TDesign cells rendered through the test harness; tapping a cell
 * opens its page.
 */
const { createFakeWx } = require('./helpers/fake-wx');
const { mountPage, settle, find, text, tap } = require('./helpers/page');

const simulateWx = global.wx;
let fake;

beforeEach(() => {
  fake = createFakeWx({ token: 'tok' });
  global.wx = Object.assign({}, simulateWx, fake.wx);
});

afterEach(() => {
  global.wx = simulateWx;
});

describe('pages/services', () => {
  test('lists the services in plain words under their headings', async () => {
    const page = mountPage('services');
    await settle(page, (p) => find(p, '#go-register'));
    expect(text(page, '#section-returnee')).toContain('返乡人员');
    expect(text(page, '#section-support')).toContain('创业补贴和贷款');
    expect(text(page, '#section-alumni')).toContain('校友登记与活动');
    expect(text(page, '#go-register')).toContain('返乡登记');
    expect(text(page, '#go-register')).toContain('填写或修改您的返乡信息');
    ['双回双创', '权益', '经营主体', '校友之家'].forEach((jargon) => {
      expect(page.dom.textContent).not.toContain(jargon);
    });
  });

  test('tapping a cell opens its page', async () => {
    const page = mountPage('services');
    await settle(page, (p) => find(p, '#go-policies'));
    await tap(page, '#go-policies');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/policies/policies' }));
  });

  test('政策 and 服务网点 are listed in plain words and open their pages', async () => {
    const page = mountPage('services');
    await settle(page, (p) => find(p, '#go-library'));
    expect(text(page, '#section-find')).toContain('政策和办事地点');
    expect(text(page, '#go-library')).toContain('哪些适合您');
    expect(text(page, '#go-stations')).toContain('零工驿站');
    await tap(page, '#go-library');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/library/library' }));
    await tap(page, '#go-stations');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/stations/stations' }));
  });
});
