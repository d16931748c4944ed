/**
 * Reads .wxss files and reports text that is too small or too faint for
 * older eyes (issue 11, item 8):
 *   - font-size in px (does not follow WeChat's font-size setting),
 *   - font-size under 30rpx, or under 0.94rem / 0.94em (≈30rpx),
 *   - a text colour under 4.5:1 contrast against the rule's own background,
 *     or, without one, against both #ffffff and the page grey #f5f5f5.
 * A rule drawn on a known coloured background says so in a comment:
 *   .badge { color: #ffffff; /* on: #b8392b *\/ }
 */
const MIN_RPX = 30;
const MIN_EM = 0.94;
const MIN_CONTRAST = 4.5;
const DEFAULT_BACKGROUNDS = ['#ffffff', '#f5f5f5'];

function parseColour(value) {
  const v = String(value).trim().toLowerCase();
  let m = /^#([0-9a-f]{3})$/.exec(v);
  if (m) {
    return m[1].split('').map((c) => parseInt(c + c, 16));
  }
  m = /^#([0-9a-f]{6})$/.exec(v);
  if (m) {
    return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16));
  }
  m = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)(?:\s*,\s*([\d.]+))?\s*\)$/.exec(v);
  if (m && (m[4] === undefined || Number(m[4]) === 1)) {
    return [m[1], m[2], m[3]].map(Number);
  }
  if (v === 'white') return [255, 255, 255];
  if (v === 'black') return [0, 0, 0];
  return null; // var(), transparent, translucent: not judged here
}

function luminance([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function rules(css) {
  const out = [];
  const re = /([^{}]+)\{([^{}]*)\}/g;
  let m;
  const clean = css.replace(/\/\*(?!\s*on:)[\s\S]*?\*\//g, '');
  while ((m = re.exec(clean))) {
    const selector = m[1].trim();
    if (selector.startsWith('@') || /^(from|to|\d+%)$/.test(selector)) {
      continue;
    }
    const body = m[2];
    const decls = {};
    body.replace(/\/\*[\s\S]*?\*\//g, '').split(';').forEach((d) => {
      const i = d.indexOf(':');
      if (i > 0) {
        decls[d.slice(0, i).trim().toLowerCase()] = d.slice(i + 1).replace(/!important/, '').trim();
      }
    });
    const on = /\/\*\s*on:\s*([^*]+?)\s*\*\//.exec(body);
    out.push({ selector, decls, on: on ? on[1] : null });
  }
  return out;
}

function check(css) {
  const problems = [];
  rules(css).forEach(({ selector, decls, on }) => {
    const size = decls['font-size'];
    if (size) {
      const m = /^([\d.]+)(rpx|px|rem|em)$/.exec(size);
      if (m) {
        const n = Number(m[1]);
        if (m[2] === 'px' && n > 0) {
          problems.push(`${selector}: font-size ${size} is fixed (use rpx/rem so it follows the phone's setting)`);
        } else if (m[2] === 'rpx' && n < MIN_RPX) {
          problems.push(`${selector}: font-size ${size} is under ${MIN_RPX}rpx`);
        } else if ((m[2] === 'rem' || m[2] === 'em') && n < MIN_EM) {
          problems.push(`${selector}: font-size ${size} is under ${MIN_EM}${m[2]}`);
        }
      }
    }
    const colour = decls.color && parseColour(decls.color);
    if (colour) {
      const own = on || decls['background-color'] || decls.background;
      const ownColour = own && parseColour(own);
      const backgrounds = ownColour ? [ownColour] : DEFAULT_BACKGROUNDS.map(parseColour);
      backgrounds.forEach((bg) => {
        const ratio = contrast(colour, bg);
        if (ratio < MIN_CONTRAST) {
          problems.push(`${selector}: color ${decls.color} on ${ownColour ? own : `rgb(${bg.join(',')})`} is ${ratio.toFixed(2)}:1 (needs ${MIN_CONTRAST}:1)`);
        }
      });
    }
  });
  return problems;
}

module.exports = { check, contrast, parseColour, MIN_RPX, MIN_EM, MIN_CONTRAST };
