/**
 * Kept for tests that still require it: the strictness this file added
 * (dialog buttons, previews, files, scanCode) now lives in fake-wx.js, for
 * every test. createStrictWx is createFakeWx.
 */
const fakeWx = require('./fake-wx');

module.exports = Object.assign({}, fakeWx, { createStrictWx: fakeWx.createFakeWx });
