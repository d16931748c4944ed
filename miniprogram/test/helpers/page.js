/**
 * Rendering pages with miniprogram-simulate (see index-page.test.js for the
 * long explanation): mount, wait, find, read text, fire events.
 *
 * Render one page per test file: with the official compiler (wcc) the
 * compiled templates of a second page can collide with the first one's
 * cached ops and render garbage.
 */
const path = require('path');
const simulate = require('miniprogram-simulate');

// The official WXML compiler (wcc) ships for Linux, macOS and Windows;
// MP_COMPILER=simulate switches to the pure JS one.
const COMPILER = process.env.MP_COMPILER || 'official';

function pagePath(name) {
  return path.resolve(__dirname, `../../pages/${name}/${name}`);
}

/** Mounts a fresh copy of pages/<name>/<name>, onLoad receiving `query`. */
function mountPage(name, query) {
  let id;
  global.__pageQuery = query || {};
  jest.isolateModules(() => {
    id = simulate.load(pagePath(name), { compiler: COMPILER });
  });
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  global.__pageQuery = undefined;
  return page;
}

async function settle(page, predicate, what) {
  for (let i = 0; i < 100; i += 1) {
    if (!predicate || predicate(page)) {
      return;
    }
    // eslint-disable-next-line no-await-in-loop
    await simulate.sleep(5);
  }
  throw new Error(`page did not settle${what ? ` (${what})` : ''}: ${page.dom.innerHTML}`);
}

const find = (page, selector) => page.querySelector(selector);
const text = (page, selector) => {
  const node = find(page, selector);
  return node ? node.dom.textContent.trim() : null;
};

// Events are delivered on a microtask: each helper resolves once the
// handler has run (its own async work may still be going on).
function fire(page, selector, name, options, what) {
  const node = find(page, selector);
  if (!node) {
    throw new Error(`no ${what} at ${selector}: ${page.dom.innerHTML}`);
  }
  node.dispatchEvent(name, options);
  return simulate.sleep(0);
}

function tap(page, selector) {
  return fire(page, selector, 'tap', {}, 'element to tap');
}

/** Types into an <input>/<textarea>: fires `input` with the whole value. */
function type(page, selector, value) {
  return fire(page, selector, 'input', { detail: { value } }, 'field');
}

/** Picks in a <picker>: `value` is the index (selector) or the date. */
function pick(page, selector, value) {
  return fire(page, selector, 'change', { detail: { value } }, 'picker');
}

module.exports = {
  simulate,
  mountPage,
  settle,
  find,
  text,
  tap,
  type,
  pick,
};
