/**
 * The official WXML compiler (wcc) compiles the whole mini program from its
 * root in one go (pages/, components/, miniprogram_npm/ with TDesign): about
 * half a second of CPU, with the glob over every .wxml and .wxs file. Every
 * test file used to run it again (miniprogram-simulate keeps its result per
 * module registry, which jest makes per file). jest's globalSetup now runs it
 * once per `npm test` and leaves the result in a temporary file named by
 * HX_WCC_JS; test/helpers/page.js answers miniprogram-simulate's compile
 * calls from it. The templates do not change while jest runs.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

// The mini program's root (see test/helpers/page.js).
const ROOT = path.resolve(__dirname, '../..');

// wcc writes the whole project's compiled templates to stdout; the default
// 1 MiB buffer was outgrown (spawnSync ... wcc ENOBUFS) at 1.05 MB.
const COMPILER_OPTIONS = { maxBuffer: 64 * 1024 * 1024 };

// "official" (wcc) unless MP_COMPILER=simulate picks the pure JS compiler.
const COMPILER = process.env.MP_COMPILER || 'official';

/** Compiles the project once and names the result in HX_WCC_JS (jest's globalSetup). */
function compileOnce() {
  if (COMPILER !== 'official') {
    return;
  }
  // eslint-disable-next-line global-require
  const compiler = require('miniprogram-simulate/src/utils').getCompiler();
  if (!compiler) {
    return;
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hx-wcc-')), 'gwx.js');
  fs.writeFileSync(file, compiler.wxmlToJs(ROOT, COMPILER_OPTIONS));
  process.env.HX_WCC_JS = file;
}

/** Removes the compiled file (jest's globalTeardown). */
function removeCompiled() {
  const file = process.env.HX_WCC_JS;
  if (file) {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/**
 * Makes the compiler of this module registry read the compiled project from
 * HX_WCC_JS instead of running wcc (once per registry; other roots still compile).
 */
function useCompiled(compiler) {
  if (!compiler || compiler.wxmlToJs.fromGlobalSetup) {
    return;
  }
  const compile = compiler.wxmlToJs;
  const fromFile = (rootPath, options) => {
    const file = process.env.HX_WCC_JS;
    if (file && rootPath === ROOT && fs.existsSync(file)) {
      return fs.readFileSync(file, 'utf8');
    }
    return compile.call(compiler, rootPath, options);
  };
  fromFile.fromGlobalSetup = true;
  // eslint-disable-next-line no-param-reassign
  compiler.wxmlToJs = fromFile;
}

module.exports = {
  ROOT, COMPILER, COMPILER_OPTIONS, compileOnce, removeCompiled, useCompiled,
};
