/**
 * Probing a client check at the schema's limits: does the form accept
 * exactly what the server accepts? Each probe returns a list of problems
 * (empty when the client and the schema agree).
 *
 * `accepts(value)` is the client's verdict for one field value: true when
 * its validation shows no message for that field.
 */
const { validate } = require('./openapi');

const repeat = (unit, n) => Array.from({ length: Math.max(0, n) }, () => unit).join('');

/** The client's max length must be the schema's maxLength (and minLength when set). */
function lengthProbe(label, accepts, schema, unit = '字') {
  const problems = [];
  if (typeof schema.maxLength !== 'number') {
    return [`${label}: the schema has no maxLength`];
  }
  const max = schema.maxLength;
  if (!accepts(repeat(unit, max))) {
    problems.push(`${label}: refuses ${max} characters, which the server accepts (maxLength ${max})`);
  }
  if (accepts(repeat(unit, max + 1))) {
    problems.push(`${label}: accepts ${max + 1} characters, which the server refuses (maxLength ${max})`);
  }
  if (typeof schema.minLength === 'number' && schema.minLength > 0) {
    const min = schema.minLength;
    if (!accepts(repeat(unit, min))) {
      problems.push(`${label}: refuses ${min} characters, which the server accepts (minLength ${min})`);
    }
    if (min > 1 && accepts(repeat(unit, min - 1))) {
      problems.push(`${label}: accepts ${min - 1} characters, which the server refuses (minLength ${min})`);
    }
  }
  return problems;
}

/** A client constant must equal the schema's number. */
function sameNumber(label, client, schemaValue) {
  return client === schemaValue ? [] : [`${label}: the client has ${client}, the schema ${schemaValue}`];
}

/**
 * The client accepts exactly the integers in [minimum, maximum]:
 * `toInput(n)` is what the user would type or pick for n.
 */
function rangeProbe(label, accepts, { minimum, maximum }, toInput = String) {
  const problems = [];
  const check = (n, expected, why) => {
    if (accepts(toInput(n)) !== expected) {
      problems.push(`${label}: ${expected ? 'refuses' : 'accepts'} ${n}, which the server ${expected ? 'accepts' : 'refuses'} (${why})`);
    }
  };
  if (typeof minimum === 'number') {
    check(minimum, true, `minimum ${minimum}`);
    if (minimum > 0) check(minimum - 1, false, `minimum ${minimum}`);
  }
  if (typeof maximum === 'number') {
    check(maximum, true, `maximum ${maximum}`);
    check(maximum + 1, false, `maximum ${maximum}`);
  }
  return problems;
}

/**
 * For each sample, the client's verdict equals the schema's
 * (`toValue(sample)` is what the client would send for it).
 */
function samplesAgree(label, accepts, doc, schema, samples, toValue = (x) => x) {
  const problems = [];
  samples.forEach((sample) => {
    const client = !!accepts(sample);
    const server = validate(doc, schema, toValue(sample), { strict: true }).length === 0;
    if (client !== server) {
      problems.push(`${label}: ${JSON.stringify(sample)} is ${client ? 'accepted' : 'refused'} by the client, ${server ? 'accepted' : 'refused'} by the schema`);
    }
  });
  return problems;
}

/** `pattern` as {min,max} of its repetition ("^[0-9]{12,30}$" -> {12, 30}), or null. */
function patternRepeat(pattern) {
  const m = /\{(\d+),(\d+)\}/.exec(String(pattern || ''));
  return m ? { min: Number(m[1]), max: Number(m[2]) } : null;
}

module.exports = {
  repeat,
  lengthProbe,
  sameNumber,
  rangeProbe,
  samplesAgree,
  patternRepeat,
};
