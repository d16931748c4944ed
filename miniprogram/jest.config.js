/** Jest configuration for the mini-program unit tests (run with `npm test`). */
module.exports = {
  testEnvironment: 'jsdom',
  testEnvironmentOptions: {
    url: 'https://jest.test/',
  },
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/**/*.test.js'],
  setupFiles: ['<rootDir>/test/setup/globals.js'],
  clearMocks: true,
  restoreMocks: true,
  watchman: false,
};
