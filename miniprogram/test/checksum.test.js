/**
 * ID number (GB 11643) and unified social credit code (GB 32100) checks.
 * The valid examples were computed with the algorithms in the brief.
 */
const idcard = require('../lib/idcard');
const uscc = require('../lib/uscc');

describe('ID number (GB 11643)', () => {
  test.each([
    '11010519491231002X',
    '11010119900307803X',
    '421202199001011232',
    '421201198506150026',
    '440306199912317770',
  ])('%s is valid', (id) => {
    expect(idcard.checkIdCard(id)).toBeNull();
    expect(idcard.isValidIdCard(id)).toBe(true);
  });

  test('the check character is computed from the first 17 digits', () => {
    expect(idcard.idCardCheckChar('11010519491231002')).toBe('X');
    expect(idcard.idCardCheckChar('42120219900101123')).toBe('2');
    expect(idcard.idCardCheckChar('44030619991231777')).toBe('0');
    expect(idcard.idCardCheckChar('1234')).toBe('');
  });

  test('a lower-case x and spaces are accepted as typed', () => {
    expect(idcard.normalizeIdCard(' 110105 19491231 002x ')).toBe('11010519491231002X');
    expect(idcard.isValidIdCard('11010519491231002x')).toBe(true);
  });

  test.each([
    ['', 'EMPTY'],
    ['1101051949123100', 'LENGTH'],
    ['11010519491231002X1', 'LENGTH'],
    ['1101051949123100XX', 'FORMAT'],
    ['11010519491231002Y', 'FORMAT'],
    ['110105194902300027', 'BIRTH_DATE'],
    ['110105180001010022', 'BIRTH_DATE'],
    ['110105194912310021', 'CHECKSUM'],
    ['421202199001011233', 'CHECKSUM'],
    ['11010519491231003X', 'CHECKSUM'],
  ])('%s is rejected: %s', (id, reason) => {
    expect(idcard.checkIdCard(id)).toBe(reason);
    expect(idcard.isValidIdCard(id)).toBe(false);
  });

  test('birth date and gender come from a valid number', () => {
    expect(idcard.parseIdCard('11010519491231002X')).toEqual({ birthDate: '1949-12-31', gender: 'F' });
    expect(idcard.parseIdCard('421202199001011232')).toEqual({ birthDate: '1990-01-01', gender: 'M' });
    expect(idcard.parseIdCard('421202199001011233')).toBeNull();
  });

  test('masking and matching against the masked number the server returns', () => {
    expect(idcard.maskIdCard('421202199001011232')).toBe('4212**********1232');
    expect(idcard.matchesMasked('421202199001011232', '4212**********1232')).toBe(true);
    expect(idcard.matchesMasked('11010519491231002x', '1101**********002X')).toBe(true);
    expect(idcard.matchesMasked('421201198506150026', '4212**********1232')).toBe(false);
    expect(idcard.matchesMasked('', '4212**********1232')).toBe(false);
  });
});

describe('unified social credit code (GB 32100)', () => {
  test.each([
    '91421202MA4A000013',
    '92421202MA4B12345A',
    '93421202MA4C56789W',
    '91350100M000100Y43',
    '121000004000003980',
  ])('%s is valid', (code) => {
    expect(uscc.checkUscc(code)).toBeNull();
    expect(uscc.isValidUscc(code)).toBe(true);
  });

  test('the check character is (31 - sum % 31) % 31 over the weighted charset values', () => {
    expect(uscc.usccCheckChar('91421202MA4A00001')).toBe('3');
    expect(uscc.usccCheckChar('91110000600037341')).toBe('L');
    expect(uscc.usccCheckChar('12100000400000398')).toBe('0');
    expect(uscc.usccCheckChar('9142120')).toBe('');
  });

  test('lower case and spaces are normalised', () => {
    expect(uscc.isValidUscc('91421202ma4a00001 3')).toBe(true);
  });

  test.each([
    ['', 'EMPTY'],
    ['91421202MA4A00001', 'LENGTH'],
    ['91421202MA4A0000133', 'LENGTH'],
    ['91421202MA4I000013', 'CHARSET'],
    ['91421202MA4O000013', 'CHARSET'],
    ['91421202MA4A00001Z', 'CHARSET'],
    ['91421202MA4A000014', 'CHECKSUM'],
    ['91421202MA4xxxxxxx', 'CHECKSUM'],
  ])('%s is rejected: %s', (code, reason) => {
    expect(uscc.checkUscc(code)).toBe(reason);
  });
});
