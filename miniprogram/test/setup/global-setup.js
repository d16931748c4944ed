/** jest's globalSetup: miniprogram_npm/ laid out, the project's templates compiled once. */
const { ensureMiniprogramNpm } = require('./miniprogram-npm');
const { compileOnce } = require('./wcc');

module.exports = () => {
  ensureMiniprogramNpm();
  compileOnce();
};
