/**
 * lib/money.js: fen shown as yuan with thousands separators, yuan typed by
 * people read back into fen without floating point surprises.
 */
const money = require('../lib/money');

describe('formatting fen', () => {
  test('whole yuan with thousands separators and the unit', () => {
    expect(money.formatFen(500000)).toBe('5,000 元');
    expect(money.formatFen(30000000)).toBe('300,000 元');
    expect(money.formatFen(500000000)).toBe('5,000,000 元');
    expect(money.formatFen(0)).toBe('0 元');
    expect(money.formatFen(100)).toBe('1 元');
  });

  test('cents only when there are any', () => {
    expect(money.formatFen(123456)).toBe('1,234.56 元');
    expect(money.formatFen(100050)).toBe('1,000.50 元');
    expect(money.formatFen(5)).toBe('0.05 元');
  });

  test('nothing for missing or bad values', () => {
    [null, undefined, '500000', 12.5, -100, NaN, Infinity].forEach((value) => {
      expect(money.formatFen(value)).toBe('');
    });
  });

  test('round amounts also in 万元', () => {
    expect(money.formatWan(30000000)).toBe('30万元');
    expect(money.formatWan(500000000)).toBe('500万元');
    expect(money.formatWan(500000)).toBe('');
    expect(money.formatFenWithWan(30000000)).toBe('300,000 元（30万元）');
    expect(money.formatFenWithWan(500000)).toBe('5,000 元');
  });

  test('back into the input as plain yuan', () => {
    expect(money.fenToYuanText(10000000)).toBe('100000');
    expect(money.fenToYuanText(1000050)).toBe('10000.5');
    expect(money.fenToYuanText(1000005)).toBe('10000.05');
    expect(money.fenToYuanText(null)).toBe('');
  });
});

describe('parsing yuan', () => {
  test('plain, with separators, a unit, spaces or full-width digits', () => {
    expect(money.parseYuan('100000')).toEqual({ fen: 10000000 });
    expect(money.parseYuan('100,000')).toEqual({ fen: 10000000 });
    expect(money.parseYuan('10，000元')).toEqual({ fen: 1000000 });
    expect(money.parseYuan(' 5 000 ')).toEqual({ fen: 500000 });
    expect(money.parseYuan('１２３')).toEqual({ fen: 12300 });
    expect(money.parseYuan(300000)).toEqual({ fen: 30000000 });
  });

  test('decimals are counted exactly, up to two places', () => {
    expect(money.parseYuan('0.29')).toEqual({ fen: 29 });
    expect(money.parseYuan('1.1')).toEqual({ fen: 110 });
    expect(money.parseYuan('19.99')).toEqual({ fen: 1999 });
    expect(money.parseYuan('5.')).toEqual({ fen: 500 });
    expect(money.parseYuan('1.234')).toEqual({ error: 'DECIMALS' });
  });

  test('what is not an amount', () => {
    expect(money.parseYuan('')).toEqual({ error: 'EMPTY' });
    expect(money.parseYuan('   ')).toEqual({ error: 'EMPTY' });
    expect(money.parseYuan(null)).toEqual({ error: 'EMPTY' });
    expect(money.parseYuan('十万')).toEqual({ error: 'FORMAT' });
    expect(money.parseYuan('-5')).toEqual({ error: 'FORMAT' });
    expect(money.parseYuan('1e5')).toEqual({ error: 'FORMAT' });
    expect(money.parseYuan('0')).toEqual({ error: 'ZERO' });
    expect(money.parseYuan('0.00')).toEqual({ error: 'ZERO' });
    expect(money.parseYuan('99999999999999')).toEqual({ error: 'TOO_LARGE' });
  });

  test('messages say what to do, the cap with its 万 figure', () => {
    expect(money.yuanError('', { label: '申请金额' })).toBe('请填写申请金额');
    expect(money.yuanError('abc')).toBe('金额只能填数字，例如：100000');
    expect(money.yuanError('0')).toBe('金额要大于0');
    expect(money.yuanError('300000', { capFen: 30000000, capLabel: '个人' })).toBe('');
    expect(money.yuanError('300000.01', { capFen: 30000000, capLabel: '个人' }))
      .toBe('个人最多可以申请 300,000 元（30万元），请改小一些');
  });
});
