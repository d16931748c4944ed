/**
 * Text big and dark enough for a 50-year-old (issue 11, item 8): every
 * .wxss of the mini program is read for font sizes under 30rpx / 0.94rem,
 * fixed px font sizes, and text colours under 4.5:1 contrast.
 * See test/tools/wxss-readability.js for the rules.
 */
const fs = require('fs');
const path = require('path');
const { check, contrast, parseColour } = require('./tools/wxss-readability');

const ROOT = path.resolve(__dirname, '..');

function wxssFiles() {
  const files = ['app.wxss'];
  ['styles', 'pages', 'components'].forEach((dir) => {
    const walk = (rel) => fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true }).forEach((d) => {
      const next = `${rel}/${d.name}`;
      if (d.isDirectory()) {
        walk(next);
      } else if (d.name.endsWith('.wxss')) {
        files.push(next);
      }
    });
    if (fs.existsSync(path.join(ROOT, dir))) {
      walk(dir);
    }
  });
  return files;
}

// Pages other helpers are converting at the same time (issue 11): skipped
// here until their owners fix them; remove a line once its page passes.
const PENDING = new Set([
]);

describe('readable text in every .wxss', () => {
  wxssFiles().forEach((file) => {
    const run = PENDING.has(file) ? test.skip : test;
    run(`${file}: no small, fixed-size or faint text`, () => {
      expect(check(fs.readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([]);
    });
  });

  test('the checker catches what it should', () => {
    expect(check('.a { font-size: 28rpx; }')).toHaveLength(1);
    expect(check('.a { font-size: 16px; }')).toHaveLength(1);
    expect(check('.a { font-size: 0.8rem; }')).toHaveLength(1);
    expect(check('.a { color: #888888; }')).toHaveLength(2);
    expect(check('.a { color: #ffffff; background-color: #b8392b; }')).toEqual([]);
    expect(check('.a { color: #ffffff; /* on: #b8392b */ }')).toEqual([]);
    expect(check('.a { font-size: 32rpx; color: #333333; }')).toEqual([]);
    expect(contrast(parseColour('#767676'), parseColour('#ffffff'))).toBeGreaterThan(4.5);
  });

  test('app.wxss themes TDesign with the app red and sizes text from the page', () => {
    const css = fs.readFileSync(path.join(ROOT, 'app.wxss'), 'utf8');
    expect(css).toMatch(/--td-brand-color:\s*#b8392b/);
    expect(css).toMatch(/page\s*\{[\s\S]*font-size:\s*[\d.]+rem/);
  });

  test('the pages of this shell follow WeChat\'s font-size setting (page-meta)', () => {
    ['index', 'services', 'mine', 'privacy', 'library', 'policy', 'stations', 'notify-settings'].forEach((name) => {
      const wxml = fs.readFileSync(path.join(ROOT, `pages/${name}/${name}.wxml`), 'utf8');
      expect(wxml.trim().startsWith('<page-meta root-font-size="system" page-font-size="system"')).toBe(true);
    });
  });
});

describe('images and tappable things are labelled', () => {
  const wxmlFiles = wxssFiles().filter((f) => f.startsWith('pages/') || f.startsWith('components/'))
    .map((f) => f.replace(/\.wxss$/, '.wxml'))
    .filter((f) => fs.existsSync(path.join(ROOT, f)));
  const OWN = ['pages/index', 'pages/services', 'pages/mine', 'pages/privacy', 'pages/library', 'pages/policy', 'pages/stations', 'pages/notify-settings', 'components/'];

  wxmlFiles.filter((f) => OWN.some((o) => f.startsWith(o))).forEach((file) => {
    test(`${file}: every <image> has aria-label, every tappable <text>/<view> is a button`, () => {
      const wxml = fs.readFileSync(path.join(ROOT, file), 'utf8');
      const tags = wxml.match(/<(image|text|view)\b[^>]*>/g) || [];
      const bad = tags.filter((tag) => (/^<image/.test(tag) && !/aria-label=/.test(tag))
        || (/^<(text|view)/.test(tag) && /bind:?tap=/.test(tag) && !/aria-role="button"/.test(tag)));
      expect(bad).toEqual([]);
    });
  });
});
