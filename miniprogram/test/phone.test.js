const { maskPhone } = require('../lib/phone');

describe('maskPhone', () => {
  test('keeps a number the server already masked', () => {
    expect(maskPhone('138****5678')).toBe('138****5678');
  });

  test('masks a full mainland number as a safeguard', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+8613812345678')).toBe('138****5678');
  });

  test('empty values give an empty string', () => {
    expect(maskPhone(null)).toBe('');
    expect(maskPhone(undefined)).toBe('');
    expect(maskPhone('')).toBe('');
  });
});
