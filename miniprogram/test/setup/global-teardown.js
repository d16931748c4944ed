/** jest's globalTeardown: the compiled templates' temporary file goes. */
const { removeCompiled } = require('./wcc');

module.exports = () => removeCompiled();
