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
  test('lists the services in plain words under three headings', async () => {
    const page = mountPage('services');
    await settle(page, (p) => find(p, '#go-register'));
    expect(text(page, '#go-register')).toContain('返乡登记');
  });

  test('tapping a cell opens its page', async () => {
    const page = mountPage('services');
    await settle(page, (p) => find(p, '#go-policies'));
    await tap(page, '#go-policies');
    expect(fake.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/policies/policies' }));
  });
});
