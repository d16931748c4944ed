/**
 * Readable and accessible (issue item 8) for the check-in, events, points,
 * perks, vouchers, messages and policies pages, read from their sources:
 * - text sized in rem under <page-meta> so that it follows WeChat's
 *   font-size setting, none under 0.94rem (30rpx); text colour contrast at
 *   least 4.5:1 against its background (the rule's own, else the white card
 *   and the grey page);
 * - every <image> has an aria-label; every tappable thing that is not a
 *   <t-button> says it is one (aria-role="button"); unread dots are
 *   labelled; buttons are TDesign's (no plain <button>).
 */
const fs = require('fs');
const path = require('path');

const PAGES = ['checkin', 'events', 'points', 'perks', 'vouchers', 'messages', 'policies'];
const root = path.resolve(__dirname, '..');
const read = (rel) => fs.readFileSync(path.join(root, rel), 'utf8');

function hex(value) {
  const m = /#([0-9a-f]{3}|[0-9a-f]{6})\b/i.exec(value || '');
  if (!m) {
    return null;
  }
  const h = m[1].length === 3 ? m[1].split('').map((c) => c + c).join('') : m[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

function luminance(rgb) {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function rules(css) {
  const out = [];
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  const re = /([^{}]+)\{([^{}]*)\}/g;
  let m;
  while ((m = re.exec(text))) {
    const decls = {};
    m[2].split(';').forEach((d) => {
      const i = d.indexOf(':');
      if (i > 0) {
        decls[d.slice(0, i).trim()] = d.slice(i + 1).replace('!important', '').trim();
      }
    });
    out.push({ selector: m[1].trim(), decls });
  }
  return out;
}

const WHITE = [255, 255, 255];
const PAGE_GREY = [245, 245, 245];

describe.each(PAGES)('pages/%s reads well', (name) => {
  const css = rules(read(`pages/${name}/${name}.wxss`));
  const wxml = read(`pages/${name}/${name}.wxml`);

  test('no text smaller than 30rpx', () => {
    const small = css.filter((r) => {
      const m = /^([\d.]+)(rpx|rem|em|px)$/.exec(r.decls['font-size'] || '');
      if (!m) {
        return false;
      }
      // px does not follow WeChat's font-size setting; 1rem is about 32rpx.
      return m[2] === 'px' || (m[2] === 'rpx' ? Number(m[1]) < 30 : Number(m[1]) < 0.94);
    }).map((r) => `${r.selector}: ${r.decls['font-size']}`);
    expect(small).toEqual([]);
  });

  test('text follows WeChat\'s font-size setting (page-meta, rem)', () => {
    expect(wxml.startsWith('<page-meta root-font-size="system" page-font-size="system" />')).toBe(true);
    const fixed = css.filter((r) => /rpx$/.test(r.decls['font-size'] || '')).map((r) => r.selector);
    expect(fixed).toEqual([]);
  });

  test('text contrast at least 4.5:1', () => {
    const weak = [];
    css.forEach((r) => {
      const fg = hex(r.decls.color);
      if (!fg) {
        return;
      }
      const own = hex(r.decls['background-color'] || r.decls.background);
      const backgrounds = own ? [own] : [WHITE, PAGE_GREY];
      backgrounds.forEach((bg) => {
        const ratio = contrast(fg, bg);
        if (ratio < 4.5) {
          weak.push(`${r.selector}: ${r.decls.color} on rgb(${bg}) = ${ratio.toFixed(2)}`);
        }
      });
    });
    expect(weak).toEqual([]);
  });

  test('images are labelled, tappable text is a button', () => {
    const tags = wxml.match(/<[a-z-]+\b[^>]*>/g) || [];
    const unlabelled = tags.filter((t) => /^<image\b/.test(t) && !/aria-label=/.test(t));
    const unmarked = tags.filter((t) => /\bbind:?tap=/.test(t) && !/^<(button|t-button)\b/.test(t) && !/aria-role="(button|tab|link)"/.test(t));
    const plainButtons = tags.filter((t) => /^<button\b/.test(t));
    const dots = tags.filter((t) => /class="[^"]*\bmsg-dot\b/.test(t) && !/aria-label=/.test(t));
    expect({
      unlabelled, unmarked, dots, plainButtons,
    }).toEqual({
      unlabelled: [], unmarked: [], dots: [], plainButtons: [],
    });
  });
});
