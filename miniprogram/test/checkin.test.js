/**
 * Event check-in QR payloads (lib/checkin.js): `huixiang:event:<id>:<token>`
 * only, anything else refused with a friendly message; the check-in errors
 * in plain words.
 */
const {
  parseCheckinPayload, parseScene, parseScanResult, checkinErrorOf, CHECKIN_TEXT, WRONG_CODE,
} = require('../lib/checkin');

describe('parseCheckinPayload', () => {
  test.each([
    ['huixiang:event:12:abcDEF_123-x', { eventId: '12', token: 'abcDEF_123-x' }],
    ['  huixiang:event:7:tok\n', { eventId: '7', token: 'tok' }],
    ['HUIXIANG:EVENT:7:Tok', { eventId: '7', token: 'Tok' }],
  ])('%j is read', (raw, expected) => {
    expect(parseCheckinPayload(raw)).toEqual(expected);
  });

  test.each([
    'huixiang:event:12',
    'huixiang:event:12:',
    'huixiang:event::tok',
    'huixiang:event:0:tok',
    'huixiang:event:abc:tok',
    'huixiang:event:-1:tok',
    'huixiang:event:12:tok:extra',
    'huixiang:event:12:to k',
    'https://example.com/huixiang:event:1:tok',
    'huixiang:events:1:tok',
    '6901234567892',
  ])('%j is not a check-in code', (raw) => {
    expect(parseCheckinPayload(raw)).toEqual({ error: CHECKIN_TEXT.NOT_CHECKIN });
  });

  test('a voucher QR code is recognised and explained', () => {
    expect(parseCheckinPayload('huixiang:voucher:ABCD23456789')).toEqual({ error: CHECKIN_TEXT.VOUCHER });
  });

  test('nothing scanned', () => {
    expect(parseCheckinPayload('')).toEqual({ error: CHECKIN_TEXT.EMPTY });
    expect(parseCheckinPayload(null)).toEqual({ error: CHECKIN_TEXT.EMPTY });
  });
});

describe('parseScene (the scene WeChat opens the page with)', () => {
  const CODE = 'Xk3_9aQ-bT7mN2pL5vR8cW';
  test.each([
    [`12.${CODE}`, { eventId: '12', token: CODE }],
    [encodeURIComponent(`12.${CODE}`), { eventId: '12', token: CODE }],
    [encodeURIComponent(encodeURIComponent(`7.${CODE}`)), { eventId: '7', token: CODE }],
    ['  7.abc  ', { eventId: '7', token: 'abc' }],
  ])('%j is read', (raw, expected) => {
    expect(parseScene(raw)).toEqual(expected);
  });

  test.each(['12', `12.`, `.${CODE}`, `0.${CODE}`, `a.${CODE}`, `12.${CODE}.x`, '12.ab%2', '12:abc', `12.${'x'.repeat(31)}`])('%j is not a check-in scene', (raw) => {
    expect(parseScene(raw).error).toBe(CHECKIN_TEXT.NOT_CHECKIN);
  });

  test('nothing', () => {
    expect(parseScene('')).toEqual({ error: CHECKIN_TEXT.EMPTY });
  });
});

describe('parseScanResult (what wx.scanCode returns)', () => {
  test('a 小程序码 of the check-in page, by path (iOS encodes the scene, Android does not)', () => {
    expect(parseScanResult({ result: 'x', path: 'pages/checkin/checkin?scene=12%2Eab_c' })).toEqual({ eventId: '12', token: 'ab_c' });
    expect(parseScanResult({ result: 'x', path: '/pages/checkin/checkin?foo=1&scene=12.ab_c' })).toEqual({ eventId: '12', token: 'ab_c' });
    expect(parseScanResult({ result: 'pages/checkin/checkin?scene=3.q' })).toEqual({ eventId: '3', token: 'q' });
  });

  test('another page of the mini program is not a check-in code', () => {
    expect(parseScanResult({ result: '', path: 'pages/index/index?scene=12.abc' })).toEqual({ error: CHECKIN_TEXT.NOT_CHECKIN });
  });

  test('the text QR code still works', () => {
    expect(parseScanResult({ result: 'huixiang:event:12:tok' })).toEqual({ eventId: '12', token: 'tok' });
    expect(parseScanResult({ result: 'huixiang:voucher:ABCD' })).toEqual({ error: CHECKIN_TEXT.VOUCHER });
    expect(parseScanResult(null)).toEqual({ error: CHECKIN_TEXT.EMPTY });
  });
});

describe('checkinErrorOf', () => {
  test('409s and 404s in plain words; NOT_REGISTERED offers registration', () => {
    expect(checkinErrorOf({ code: 'ALREADY_CHECKED_IN', status: 409 }).message).toBe('您已经签过到了，积分不会重复发放');
    expect(checkinErrorOf({ code: 'CHECKIN_CLOSED', status: 409 }).message).toBe('这场活动的签到已经结束了');
    expect(checkinErrorOf({ code: 'CHECKIN_NOT_OPEN', status: 409 }).message).toBe('签到还没开始，请到活动开始时再扫');
    expect(checkinErrorOf({ code: 'NOT_REGISTERED', status: 404 })).toEqual({ message: '签到前要先登记。请先做返乡登记，登记好了再扫一次', register: true });
    expect(checkinErrorOf({ code: 'NOT_FOUND', status: 404 })).toEqual({ message: WRONG_CODE, register: false });
    expect(checkinErrorOf({ code: 'HTTP_500', status: 500, message: '服务繁忙，请稍后重试' }).message).toBe('服务繁忙，请稍后重试');
  });
});
