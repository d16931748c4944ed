/**
 * The rendering harness with TDesign: a test-only page using t-input,
 * t-button, t-cell and t-dialog, driven the way a user would.
 */
const fs = require('fs');
const path = require('path');
const {
  mountPage, settle, find, text, tap, type, confirmDialog, cancelDialog,
} = require('./helpers/page');

const DEMO = 'test/fixtures/tdesign-demo/tdesign-demo';

describe('TDesign in the test harness', () => {
  test('miniprogram_npm holds TDesign as WeChat DevTools builds it', () => {
    const root = path.resolve(__dirname, '..');
    const installed = require('tdesign-miniprogram/package.json').version;
    expect(fs.existsSync(path.join(root, 'miniprogram_npm/tdesign-miniprogram/button/button.json'))).toBe(true);
    expect(fs.readFileSync(path.join(root, 'miniprogram_npm/tdesign-miniprogram/.huixiang-copied-version'), 'utf8'))
      .toBe(installed);
  });

  test('renders the components with their text', async () => {
    const page = mountPage(DEMO);
    await settle(page, (p) => text(p, '#save') === '保存');
    expect(text(page, '#cell')).toContain('返乡登记');
    expect(text(page, '#name')).toContain('姓名');
    expect(page.dom.querySelector('wx-input')).toBeTruthy();
  });

  test('typing into a t-input fires its change event with the value', async () => {
    const page = mountPage(DEMO);
    await settle(page, (p) => find(p, '#name'));
    await type(page, '#name', '张三');
    await settle(page, (p) => text(p, '#typed') === '张三');
  });

  test('tapping a t-button and a t-cell runs the page handlers', async () => {
    const page = mountPage(DEMO);
    await settle(page, (p) => find(p, '#save'));
    await tap(page, '#save');
    await settle(page, (p) => text(p, '#taps') === '1');
    await tap(page, '#cell');
    await settle(page, (p) => text(p, '#opened') === '/pages/register/register');
  });

  test('a t-dialog is confirmed or cancelled through its buttons', async () => {
    const page = mountPage(DEMO);
    await settle(page, (p) => find(p, '#save'));
    await tap(page, '#save');
    await settle(page, (p) => (text(p, '#ask') || '').includes('确认保存'));
    await confirmDialog(page, '#ask');
    await settle(page, (p) => text(p, '#answer') === 'confirmed');

    await tap(page, '#save');
    await settle(page, (p) => (text(p, '#ask') || '').includes('确认保存'));
    await cancelDialog(page, '#ask');
    await settle(page, (p) => text(p, '#answer') === 'cancelled');
  });
});
