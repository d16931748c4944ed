/** Jest configuration for the mini-program unit tests (run with `npm test`). */
module.exports = {
  testEnvironment: 'jsdom',
  testEnvironmentOptions: {
    url: 'https://jest.test/',
  },
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/**/*.test.js'],
  // Copies node_modules/tdesign-miniprogram/miniprogram_dist to
  // miniprogram_npm/tdesign-miniprogram, as WeChat DevTools' 构建 npm does,
  // and compiles the project's templates once for every test file
  // (test/setup/wcc.js).
  globalSetup: '<rootDir>/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/test/setup/global-teardown.js',
  setupFiles: ['<rootDir>/test/setup/globals.js'],
  // Like WeChat, a bare require('tslib') inside miniprogram_npm/ finds the
  // nearest miniprogram_npm/tslib.
  moduleDirectories: ['node_modules', 'miniprogram_npm'],
  // TDesign ships ES modules; our own code is CommonJS and stays untouched.
  transform: {
    '/miniprogram_npm/.+\\.js$': ['babel-jest', {
      babelrc: false,
      configFile: false,
      plugins: ['@babel/plugin-transform-modules-commonjs'],
    }],
    '\\.[jt]sx?$': 'babel-jest',
  },
  // The first render of a file compiles the whole project (wcc + TDesign):
  // seconds on a loaded 2-core machine, well over jest's default 5 s; and
  // make test runs jest beside go test -race, so allow a minute.
  testTimeout: 60000,
  clearMocks: true,
  restoreMocks: true,
  watchman: false,
};
