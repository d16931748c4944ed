/**
 * Static checks of the mini-program project files: what WeChat DevTools
 * needs to open and pack the project.
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

describe('project files', () => {
  test('app.json lists pages/index/index first and titles the window 咸安回乡', () => {
    const app = readJson('app.json');
    expect(app.pages[0]).toBe('pages/index/index');
    expect(app.window.navigationBarTitleText).toBe('咸安回乡');
    expect(fs.existsSync(path.join(ROOT, app.sitemapLocation))).toBe(true);
  });

  test('every page has its js, json, wxml and wxss', () => {
    readJson('app.json').pages.forEach((page) => {
      ['js', 'json', 'wxml', 'wxss'].forEach((ext) => {
        expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true);
      });
    });
  });

  test('project.config.json: tourist appid, root here, dev files left out of the package', () => {
    const project = readJson('project.config.json');
    expect(project.appid).toBe('touristappid');
    expect(path.resolve(ROOT, project.miniprogramRoot)).toBe(ROOT);
    const ignored = project.packOptions.ignore.map((rule) => `${rule.type}:${rule.value}`);
    expect(ignored).toEqual(expect.arrayContaining([
      'folder:node_modules',
      'folder:test',
      'file:jest.config.js',
      'glob:package*.json',
    ]));
  });

  test('config.js defaults to the local backend with a 15 s timeout', () => {
    jest.isolateModules(() => {
      const config = require('../config');
      expect(config.API_BASE_URL).toBe('http://127.0.0.1:8080');
      expect(config.REQUEST_TIMEOUT).toBe(15000);
      expect(config.TOKEN_KEY).toBe('token');
    });
  });

  test('no file or folder named utils', () => {
    const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.name !== 'node_modules' && d.name !== 'miniprogram_npm')
      .flatMap((d) => [d.name, ...(d.isDirectory() ? walk(path.join(dir, d.name)) : [])]);
    expect(walk(ROOT).filter((name) => /^utils?(\.|$)/i.test(name))).toEqual([]);
  });
});

describe('npm components (TDesign)', () => {
  const jsonFiles = (dir) => fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((d) => {
      const rel = path.join(dir, d.name);
      if (d.isDirectory()) {
        return jsonFiles(rel);
      }
      return d.name.endsWith('.json') ? [rel] : [];
    });

  test('DevTools builds npm from this package.json into ./miniprogram_npm', () => {
    const setting = readJson('project.config.json').setting;
    expect(setting.packNpmManually).toBe(true);
    expect(setting.packNpmRelationList).toEqual([
      { packageJsonPath: './package.json', miniprogramNpmDistDir: './' },
    ]);
    expect(readJson('package.json').dependencies['tdesign-miniprogram']).toMatch(/^\d+\.\d+\.\d+$/);
    // TDesign's styles break under the "v2" base component styles.
    expect(readJson('app.json').style).toBeUndefined();
  });

  test('every usingComponents path resolves (npm paths inside the installed TDesign)', () => {
    const files = ['pages', 'components']
      .filter((dir) => fs.existsSync(path.join(ROOT, dir)))
      .flatMap((dir) => jsonFiles(dir));
    const missing = [];
    files.forEach((file) => {
      const using = JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')).usingComponents || {};
      Object.entries(using).forEach(([tag, value]) => {
        let target;
        if (value.startsWith('/')) {
          target = path.join(ROOT, value);
        } else if (value.startsWith('.')) {
          target = path.join(ROOT, path.dirname(file), value);
        } else {
          const [pkg, ...rest] = value.split('/');
          const manifest = require(`${pkg}/package.json`);
          target = path.join(ROOT, 'node_modules', pkg, manifest.miniprogram || '', ...rest);
        }
        if (!fs.existsSync(`${target}.json`)) {
          missing.push(`${file}: ${tag} → ${value}`);
        }
      });
    });
    expect(missing).toEqual([]);
  });
});

describe('tab bar', () => {
  test('首页, 办事, 消息, 我的 with both icons, each PNG at most 40 KB', () => {
    const app = readJson('app.json');
    const list = app.tabBar.list;
    expect(list.map((t) => t.text)).toEqual(['首页', '办事', '消息', '我的']);
    expect(list.map((t) => t.pagePath)).toEqual([
      'pages/index/index', 'pages/services/services', 'pages/messages/messages', 'pages/mine/mine',
    ]);
    list.forEach((tab) => {
      expect(app.pages).toContain(tab.pagePath);
      [tab.iconPath, tab.selectedIconPath].forEach((icon) => {
        const file = path.join(ROOT, icon);
        expect(fs.readFileSync(file).subarray(1, 4).toString('ascii')).toBe('PNG');
        expect(fs.statSync(file).size).toBeLessThanOrEqual(40 * 1024);
      });
      expect(tab.iconPath).not.toBe(tab.selectedIconPath);
    });
    expect(app.tabBar.selectedColor.toLowerCase()).toBe('#b8392b');
  });
});
