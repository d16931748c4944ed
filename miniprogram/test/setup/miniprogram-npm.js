/**
 * Lays out miniprogram_npm/ the way WeChat DevTools' 构建 npm does, for the
 * tests: every dependency with a `miniprogram` folder (tdesign-miniprogram)
 * is copied from node_modules/<name>/<folder> to miniprogram_npm/<name>.
 *
 * The folder is gitignored and packaged by DevTools itself; a copy (not a
 * symlink) keeps jest transforming its ES modules and lets the official wcc
 * compiler see its templates and wxs modules under one rootPath.
 * The copy is redone only when the installed version differs from the one
 * written in its stamp file.
 *
 * Used as jest's globalSetup and by test/helpers/page.js (cheap when done).
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const NPM_DIR = path.join(ROOT, 'miniprogram_npm');
const STAMP = '.huixiang-copied-version';

function miniprogramPackages() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return Object.keys(pkg.dependencies || {})
    .map((name) => {
      const dir = path.join(ROOT, 'node_modules', name);
      const manifestFile = path.join(dir, 'package.json');
      if (!fs.existsSync(manifestFile)) {
        return null;
      }
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
      if (!manifest.miniprogram) {
        return null;
      }
      return { name, version: manifest.version, from: path.join(dir, manifest.miniprogram) };
    })
    .filter(Boolean);
}

function ensureMiniprogramNpm() {
  miniprogramPackages().forEach(({ name, version, from }) => {
    const to = path.join(NPM_DIR, name);
    const stampFile = path.join(to, STAMP);
    if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === version) {
      return;
    }
    fs.rmSync(to, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.cpSync(from, to, { recursive: true, dereference: true });
    fs.writeFileSync(stampFile, version);
  });
}

module.exports = ensureMiniprogramNpm;
module.exports.ensureMiniprogramNpm = ensureMiniprogramNpm;
module.exports.NPM_DIR = NPM_DIR;
