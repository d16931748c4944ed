/**
 * The server's API contract (internal/httpapi/openapi.yaml) for the
 * contract test: finding the operation of a request, and checking a JSON
 * value against a schema.
 *
 * The checker knows the OpenAPI 3.0 schema words the document uses: $ref,
 * allOf, type (+ nullable), enum, required, properties,
 * additionalProperties, items, maxItems, minLength, maxLength, pattern,
 * minimum, maximum, format date / date-time. Lengths are counted in
 * characters (code points), as the server counts runes.
 *
 * Request bodies are checked strictly: an object property the schema does
 * not name is an error unless the schema allows additional properties
 * (the server ignores unknown fields, so a misspelt one would be lost
 * without a word).
 */
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const OPENAPI_PATH = path.resolve(__dirname, '../../../internal/httpapi/openapi.yaml');

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function load(file = OPENAPI_PATH) {
  return YAML.parse(fs.readFileSync(file, 'utf8'));
}

/** The object a local $ref ("#/components/schemas/X") points at. */
function deref(doc, node) {
  let out = node;
  const seen = new Set();
  while (out && typeof out === 'object' && typeof out.$ref === 'string') {
    if (seen.has(out.$ref)) {
      throw new Error(`openapi: $ref loop at ${out.$ref}`);
    }
    seen.add(out.$ref);
    const parts = out.$ref.replace(/^#\//, '').split('/');
    out = parts.reduce((acc, key) => (acc ? acc[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc);
    if (out === undefined) {
      throw new Error(`openapi: unresolved $ref ${[...seen].pop()}`);
    }
  }
  return out;
}

function templateRegExp(template) {
  const escaped = template.split(/(\{[^}]+\})/).map((part) => (
    /^\{[^}]+\}$/.test(part) ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  )).join('');
  return new RegExp(`^${escaped}$`);
}

/**
 * The operation for a method and a concrete path ('/api/v1/events/12/signup'),
 * or null: { template, method, operation, pathItem, params: { id: '12' } }.
 * A literal path wins over a template one (as the router matches).
 */
function findOperation(doc, method, urlPath) {
  const m = String(method || 'GET').toLowerCase();
  const pathOnly = String(urlPath).split('?')[0];
  const candidates = Object.keys(doc.paths || {}).map((template) => {
    const match = templateRegExp(template).exec(pathOnly);
    return match ? { template, match } : null;
  }).filter(Boolean).sort((a, b) => (a.template.match(/\{/g) || []).length - (b.template.match(/\{/g) || []).length);
  for (const { template, match } of candidates) {
    const pathItem = doc.paths[template];
    if (pathItem && pathItem[m]) {
      const names = (template.match(/\{([^}]+)\}/g) || []).map((n) => n.slice(1, -1));
      const params = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1]);
      });
      return {
        template, method: m, operation: pathItem[m], pathItem, params,
      };
    }
  }
  return null;
}

/** Parameters of an operation (path-level ones too), dereferenced. */
function parametersOf(doc, found) {
  const list = [].concat(found.pathItem.parameters || [], found.operation.parameters || []);
  return list.map((p) => deref(doc, p));
}

/** The JSON request-body schema of an operation, or null; `required` tells whether a body must be sent. */
function requestBodyOf(doc, found) {
  const body = found.operation.requestBody && deref(doc, found.operation.requestBody);
  if (!body) {
    return null;
  }
  const content = body.content || {};
  const json = content['application/json'];
  return {
    required: !!body.required,
    schema: json ? json.schema : null,
    contentTypes: Object.keys(content),
  };
}

const chars = (s) => Array.from(s).length;

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

function typeMatches(type, value) {
  const t = typeOf(value);
  if (type === 'number') return t === 'integer' || t === 'number';
  return t === type;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function realDate(s) {
  if (!DATE_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * Checks `value` against `schema`. Returns a list of problems, each
 * '<json path>: <what is wrong>' (empty when it fits).
 * options.strict (default true): unknown object properties are problems
 * unless additionalProperties allows them.
 */
function validate(doc, schema, value, options = {}, at = '$') {
  const strict = options.strict !== false;
  const s = deref(doc, schema);
  if (!s || typeof s !== 'object') {
    return [];
  }
  const errors = [];

  if (Array.isArray(s.allOf)) {
    // Each part is checked for its own words; unknown properties are
    // judged against the properties of all parts together.
    const parts = s.allOf.map((part) => deref(doc, part));
    const known = new Set();
    let open = false;
    parts.forEach((part) => {
      Object.keys(part.properties || {}).forEach((k) => known.add(k));
      if (part.additionalProperties) open = true;
    });
    if (value === null && s.nullable) {
      return [];
    }
    parts.forEach((part) => {
      errors.push(...validate(doc, Object.assign({}, part, { additionalProperties: true }), value, options, at));
    });
    if (strict && !open && typeOf(value) === 'object') {
      Object.keys(value).forEach((k) => {
        if (!known.has(k)) errors.push(`${at}.${k}: not in the schema (the server ignores it)`);
      });
    }
    return errors;
  }

  if (value === null) {
    if (s.nullable) return [];
    if (s.type || s.properties) return [`${at}: null is not allowed (not nullable)`];
    return [];
  }
  if (value === undefined) {
    return [`${at}: missing`];
  }

  const type = s.type || (s.properties ? 'object' : undefined);
  if (type && !typeMatches(type, value)) {
    return [`${at}: expected ${type}, got ${typeOf(value)} ${JSON.stringify(value)}`];
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => e === value)) {
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  }

  if (typeof value === 'string') {
    if (typeof s.maxLength === 'number' && chars(value) > s.maxLength) {
      errors.push(`${at}: ${chars(value)} characters, over maxLength ${s.maxLength}`);
    }
    if (typeof s.minLength === 'number' && chars(value) < s.minLength) {
      errors.push(`${at}: ${chars(value)} characters, under minLength ${s.minLength}`);
    }
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) {
      errors.push(`${at}: ${JSON.stringify(value)} does not match ${s.pattern}`);
    }
    if (s.format === 'date' && !realDate(value)) {
      errors.push(`${at}: ${JSON.stringify(value)} is not a date (YYYY-MM-DD)`);
    }
    if (s.format === 'date-time' && !DATE_TIME_RE.test(value)) {
      errors.push(`${at}: ${JSON.stringify(value)} is not an RFC 3339 date-time`);
    }
  }

  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) {
      errors.push(`${at}: ${value} is under minimum ${s.minimum}`);
    }
    if (typeof s.maximum === 'number' && value > s.maximum) {
      errors.push(`${at}: ${value} is over maximum ${s.maximum}`);
    }
  }

  if (Array.isArray(value)) {
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) {
      errors.push(`${at}: ${value.length} items, over maxItems ${s.maxItems}`);
    }
    if (s.items) {
      value.forEach((item, i) => errors.push(...validate(doc, s.items, item, options, `${at}[${i}]`)));
    }
  }

  if (typeOf(value) === 'object') {
    (s.required || []).forEach((k) => {
      if (value[k] === undefined) errors.push(`${at}.${k}: required`);
    });
    const props = s.properties || {};
    Object.keys(value).forEach((k) => {
      if (value[k] === undefined) {
        return;
      }
      if (props[k]) {
        errors.push(...validate(doc, props[k], value[k], options, `${at}.${k}`));
      } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        errors.push(...validate(doc, s.additionalProperties, value[k], options, `${at}.${k}`));
      } else if (strict && !s.additionalProperties) {
        errors.push(`${at}.${k}: not in the schema (the server ignores it)`);
      }
    });
  }
  return errors;
}

/** The schema at a dotted path of properties ('ReturneeInput', 'business.name'), through $ref and allOf. */
function schemaAt(doc, schema, dotted) {
  let s = deref(doc, schema);
  String(dotted || '').split('.').filter(Boolean).forEach((key) => {
    if (!s) return;
    if (Array.isArray(s.allOf)) {
      const part = s.allOf.map((p) => deref(doc, p)).find((p) => p.properties && p.properties[key]);
      s = part ? deref(doc, part.properties[key]) : undefined;
      return;
    }
    s = s.properties && s.properties[key] ? deref(doc, s.properties[key]) : undefined;
  });
  if (!s) {
    throw new Error(`openapi: no schema at ${dotted}`);
  }
  return s;
}

/** components.schemas.<name>. */
function component(doc, name) {
  const s = doc.components && doc.components.schemas && doc.components.schemas[name];
  if (!s) {
    throw new Error(`openapi: no component schema ${name}`);
  }
  return s;
}

module.exports = {
  OPENAPI_PATH,
  METHODS,
  load,
  deref,
  findOperation,
  parametersOf,
  requestBodyOf,
  validate,
  schemaAt,
  component,
};
