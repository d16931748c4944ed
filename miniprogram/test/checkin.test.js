/**
 * Event check-in QR payloads (lib/checkin.js): `huixiang:event:<id>:<token>`
 * only, anything else refused with a friendly message; the check-in errors
 * in plain words.
 */
const {
  parseCheckinPayload, checkinErrorOf, CHECKIN_TEXT, WRONG_CODE,
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

describe('checkinErrorOf', () => {
  test('409s and 404s in plain words; NOT_REGISTERED offers registration', () => {
    expect(checkinErrorOf({ code: 'ALREADY_CHECKED_IN', status: 409 }).message).toBe('您已经签过到了，积分不会重复发放');
    expect(checkinErrorOf({ code: 'CHECKIN_CLOSED', status: 409 }).message).toBe('这场活动的签到已经结束了');
    expect(checkinErrorOf({ code: 'CHECKIN_NOT_OPEN', status: 409 }).message).toBe('签到还没开始，请到活动开始时再扫');
    expect(checkinErrorOf({ code: 'NOT_REGISTERED', status: 404 })).toEqual({ message: '签到前请先完成校友登记', register: true });
    expect(checkinErrorOf({ code: 'NOT_FOUND', status: 404 })).toEqual({ message: WRONG_CODE, register: false });
    expect(checkinErrorOf({ code: 'HTTP_500', status: 500, message: '服务繁忙，请稍后重试' }).message).toBe('服务繁忙，请稍后重试');
  });
});
