/**
 * Rendering pages with miniprogram-simulate (see index-page.test.js for the
 * long explanation): mount, wait, find, read text, fire events.
 *
 * The official compiler (wcc) compiles the whole mini program from its root
 * once per test file (pages/, components/, miniprogram_npm/ with TDesign),
 * so several pages may be mounted in one file. TDesign components are
 * virtual hosts: text/tap/type/confirmDialog reach into their templates.
 * README.md, "Components", shows how a test drives them.
 */
const fs = require('fs');
const path = require('path');
const simulate = require('miniprogram-simulate');
const simulateUtils = require('miniprogram-simulate/src/utils');
const { ensureMiniprogramNpm } = require('../setup/miniprogram-npm');
const { beginUserTap, endUserTap, inUserTap } = require('./fake-wx');

// The official WXML compiler (wcc) ships for Linux, macOS and Windows;
// MP_COMPILER=simulate switches to the pure JS one. ROOT is the mini
// program's root: wcc compiles every template and wxs module under it
// (pages/, components/, miniprogram_npm/) in one go, and root-absolute
// usingComponents ("/components/state-view/state-view") start here. The
// compile runs once per `npm test`, in jest's globalSetup (setup/wcc.js).
const {
  ROOT, COMPILER, COMPILER_OPTIONS, useCompiled,
} = require('../setup/wcc');

useCompiled(simulateUtils.getCompiler());

/*
 * Each mount registers the page and every component it uses again, and
 * miniprogram-simulate compiles each one's wxss again (postcss, then csso):
 * a tenth of a page test's CPU. The compiled CSS depends only on the wxss
 * text, the tag prefix and the less option, so it is kept per test file.
 */
const simulateWxss = require('miniprogram-simulate/src/wxss');

if (!simulateWxss.compile.memoized) {
  const compileWxss = simulateWxss.compile;
  const compiled = new Map();
  const memoized = (wxss, options = {}) => {
    const key = `${options.prefix}\u0000${options.less ? 'less' : ''}\u0000${wxss}`;
    if (!compiled.has(key)) {
      compiled.set(key, compileWxss(wxss, options));
    }
    return compiled.get(key);
  };
  memoized.memoized = true;
  simulateWxss.compile = memoized;
}

// "index" → pages/index/index; a path with a slash is taken from the root
// ("test/fixtures/tdesign-demo/tdesign-demo").
function pagePath(name) {
  return name.includes('/') ? path.resolve(ROOT, name) : path.resolve(ROOT, `pages/${name}/${name}`);
}

/**
 * WeChat resolves a usingComponents path that is neither relative nor
 * root-absolute ("tdesign-miniprogram/button/button") in miniprogram_npm/;
 * miniprogram-simulate only knows the first two kinds. Its JSON reader is
 * wrapped once so that such a path becomes "/miniprogram_npm/<path>".
 */
function npmAwareReadJson(readJson) {
  return (file) => {
    const json = readJson(file);
    if (!json || !json.usingComponents) {
      return json;
    }
    const using = {};
    Object.keys(json.usingComponents).forEach((tag) => {
      const value = json.usingComponents[tag];
      const isPath = typeof value === 'string' && (value.startsWith('.') || value.startsWith('/'));
      const npmPath = `/miniprogram_npm/${value}`;
      using[tag] = !isPath && fs.existsSync(path.join(ROOT, `${npmPath}.json`)) ? npmPath : value;
    });
    return Object.assign({}, json, { usingComponents: using });
  };
}

if (!simulateUtils.readJson.npmAware) {
  simulateUtils.readJson = npmAwareReadJson(simulateUtils.readJson);
  simulateUtils.readJson.npmAware = true;
}


/** Loads a page or component (path without extension) for simulate.render. */
function loadComponent(fullPath) {
  ensureMiniprogramNpm();
  let id;
  jest.isolateModules(() => {
    id = simulate.load(fullPath, { compiler: COMPILER, rootPath: ROOT, compilerOptions: COMPILER_OPTIONS });
  });
  return id;
}

/** Mounts a fresh copy of pages/<name>/<name> (or a root-relative path), onLoad receiving `query`. */
function mountPage(name, query) {
  global.__pageQuery = query || {};
  const id = loadComponent(pagePath(name));
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

const exparser = require('miniprogram-exparser');

// j-component's wrapper of one exparser node (dom, dispatchEvent, ...).
const ElementWrapper = Object.getPrototypeOf(require('j-component/src/render/component'));

const find = (page, selector) => page.querySelector(selector);

/*
 * TDesign components are "virtual hosts" (options.virtualHost, as on a phone
 * with base library >= 2.19.2): the <t-cell> itself has no DOM node, only
 * what its template renders. These walk a component's own template.
 */
function ownElements(expNode) {
  if (expNode.$$) {
    return [expNode];
  }
  const children = expNode.shadowRoot ? expNode.shadowRoot.childNodes : expNode.childNodes;
  return (children || []).flatMap((child) => (child.childNodes ? ownElements(child) : []));
}

/** Depth first through the component's template (and nested components'). */
function findInside(expNode, predicate) {
  const kids = [];
  if (expNode.shadowRoot) {
    kids.push(...expNode.shadowRoot.childNodes);
  }
  kids.push(...(expNode.childNodes || []));
  for (const child of kids) {
    if (child.childNodes) {
      if (predicate(child)) {
        return child;
      }
      const hit = findInside(child, predicate);
      if (hit) {
        return hit;
      }
    }
  }
  return null;
}

const tagOf = (expNode) => (expNode.$$ ? expNode.$$.tagName.toLowerCase() : '');

/** The text a user sees in the element or component (null when absent). */
const text = (page, selector) => {
  const node = find(page, selector);
  if (!node) {
    return null;
  }
  if (node.dom) {
    return node.dom.textContent.trim();
  }
  return ownElements(node._exparserNode).map((el) => el.$$.textContent).join('').trim();
};

/**
 * The node that receives a user's touch: the element itself, or for a
 * virtual-host component the first element its template renders (the
 * <button> of a t-button, the row of a t-cell).
 */
function touchTarget(node) {
  if (node.dom) {
    return node;
  }
  const first = ownElements(node._exparserNode)[0];
  return first ? new ElementWrapper(first) : null;
}

/*
 * A tap is a user gesture: WeChat lets a handler call APIs such as
 * wx.requestSubscribeMessage only during the tap's synchronous part. The
 * fake wx (helpers/fake-wx.js) asks inUserTap(); the flag is set for
 * exactly that part: j-component delivers the event on one microtask,
 * queued between the two that raise and lower the flag (microtasks run in
 * order), so neither earlier pending work nor anything the handler awaits
 * runs inside the tap.
 */
function dispatchTap(target, name, options) {
  Promise.resolve().then(beginUserTap);
  target.dispatchEvent(name, options);
  Promise.resolve().then(endUserTap);
}

// Events are delivered on a microtask: each helper resolves once the
// handler has run (its own async work may still be going on).
function fire(page, selector, name, options, what) {
  const node = find(page, selector);
  const target = node && touchTarget(node);
  if (!target) {
    throw new Error(`no ${what} at ${selector}: ${page.dom.innerHTML}`);
  }
  if (name === 'tap') {
    dispatchTap(target, name, options);
  } else {
    target.dispatchEvent(name, options);
  }
  return simulate.sleep(0);
}

/** Taps an element, a <t-button> or a <t-cell> (bind:tap / bind:click fire). */
function tap(page, selector) {
  return fire(page, selector, 'tap', {}, 'element to tap');
}

/**
 * Types into an <input>/<textarea>, or into the field of a <t-input> /
 * <t-textarea> (whose bind:change then fires with { value }): fires
 * `input` with the whole value.
 */
function type(page, selector, value) {
  const node = find(page, selector);
  if (node && !node.dom) {
    const field = findInside(node._exparserNode, (n) => ['wx-input', 'wx-textarea'].includes(tagOf(n)));
    if (!field) {
      throw new Error(`no field inside ${selector}: ${page.dom.innerHTML}`);
    }
    new ElementWrapper(field).dispatchEvent('input', { detail: { value, cursor: String(value).length } });
    return simulate.sleep(0);
  }
  return fire(page, selector, 'input', { detail: { value } }, 'field');
}

// WeChat's events that bubble; every other one (getphonenumber, change,
// agreeprivacyauthorization...) stays on the element that fired it.
const BUBBLING = ['tap', 'longpress', 'longtap', 'touchstart', 'touchmove', 'touchend', 'touchcancel'];

/**
 * Fires any event a user's action would cause, with `detail`: e.g.
 * trigger(page, '#bind-btn', 'getphonenumber', { errMsg: 'getPhoneNumber:ok', code })
 * (on a t-button it reaches the inner <button>, as the phone does).
 */
function trigger(page, selector, name, detail) {
  if (BUBBLING.includes(name)) {
    return fire(page, selector, name, { detail: detail || {} }, `element for ${name}`);
  }
  const node = find(page, selector);
  const target = node && touchTarget(node);
  if (!target) {
    throw new Error(`no element for ${name} at ${selector}: ${page.dom.innerHTML}`);
  }
  exparser.Event.dispatchEvent(target._exparserNode, exparser.Event.create(name, detail || {}, {
    bubbles: false,
    composed: false,
    capturePhase: false,
  }));
  return simulate.sleep(0);
}

/** Picks in a <picker>: `value` is the index (selector) or the date. */
function pick(page, selector, value) {
  return fire(page, selector, 'change', { detail: { value } }, 'picker');
}

/**
 * Taps the confirm (or cancel) button of a visible <t-dialog> found by
 * `selector`; the dialog's bind:confirm / bind:cancel fires.
 */
function dialogButton(page, selector, kind) {
  const node = find(page, selector);
  if (!node) {
    throw new Error(`no dialog at ${selector}: ${page.dom.innerHTML}`);
  }
  const button = findInside(node._exparserNode, (n) => n.dataset && n.dataset.type === kind);
  const target = button && touchTarget({ _exparserNode: button });
  if (!target) {
    throw new Error(`no ${kind} button in the dialog ${selector}: ${page.dom.innerHTML}`);
  }
  dispatchTap(target, 'tap', {});
  return simulate.sleep(0);
}

const confirmDialog = (page, selector) => dialogButton(page, selector, 'confirm');
const cancelDialog = (page, selector) => dialogButton(page, selector, 'cancel');

module.exports = {
  simulate,
  mountPage,
  loadComponent,
  settle,
  find,
  text,
  tap,
  type,
  pick,
  trigger,
  confirmDialog,
  cancelDialog,
  inUserTap,
};
