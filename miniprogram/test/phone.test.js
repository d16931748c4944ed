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

describe('phoneCodeOf', () => {
  const { phoneCodeOf, PHONE_AUTH_TEXT } = require('../lib/phone');
  const ev = (detail) => ({ detail });

  test('the code when the user agreed', () => {
    expect(phoneCodeOf(ev({ errMsg: 'getPhoneNumber:ok', code: 'c1' }))).toEqual({ code: 'c1' });
  });

  test('"您已取消授权" only when the user tapped 拒绝', () => {
    expect(phoneCodeOf(ev({ errMsg: 'getPhoneNumber:fail user deny' })).error).toBe(PHONE_AUTH_TEXT.DENIED);
    expect(phoneCodeOf(ev({ errMsg: 'getPhoneNumber:fail:cancel to confirm login' })).error).toBe(PHONE_AUTH_TEXT.DENIED);
  });

  test('other failures say to try again, not that the user cancelled', () => {
    ['getPhoneNumber:fail no permission', 'getPhoneNumber:fail privacy permission is not authorized',
      'getPhoneNumber:fail system error', undefined].forEach((errMsg) => {
      const { error } = phoneCodeOf(ev({ errMsg }));
      expect(error).toBe(PHONE_AUTH_TEXT.FAILED);
      expect(error).not.toContain('取消');
    });
  });

  test('an old WeChat without a code is asked to update', () => {
    expect(phoneCodeOf(ev({ errMsg: 'getPhoneNumber:ok' })).error).toBe(PHONE_AUTH_TEXT.NO_CODE);
  });
});
