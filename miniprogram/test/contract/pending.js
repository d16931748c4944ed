/**
 * Operations the mini program already calls whose server side is being
 * built in parallel: written here from the agreed contract until
 * internal/httpapi/openapi.yaml has them. withPending(doc) adds a path
 * only when the server's document lacks it, so once the server documents
 * an operation, its own definition is the one checked (and the entry here
 * can be deleted).
 */

const SETTINGS = {
  type: 'object',
  required: ['pushes_enabled', 'notice_template_id', 'notice_consent', 'notice_remaining', 'quiet_hours', 'weekly_cap'],
  properties: {
    pushes_enabled: { type: 'boolean' },
    notice_template_id: { type: 'string' },
    notice_consent: { type: 'string', enum: ['long_term', 'one_time', 'none'] },
    notice_remaining: { type: 'integer', minimum: 0 },
    quiet_hours: {
      type: 'object',
      properties: { from: { type: 'string', pattern: '^\\d{2}:\\d{2}$' }, to: { type: 'string', pattern: '^\\d{2}:\\d{2}$' } },
    },
    weekly_cap: { type: 'integer', minimum: 0 },
  },
};

const PENDING_PATHS = {
  // Issue 12: 消息推送 settings (pages/notify-settings).
  '/api/v1/me/notification-settings': {
    get: {
      summary: '(pending) The caller\'s notification settings.',
      security: [{ userToken: [] }],
      responses: { 200: { description: 'the settings', content: { 'application/json': { schema: SETTINGS } } } },
    },
    put: {
      summary: '(pending) Turns pushing of policy notices on or off.',
      security: [{ userToken: [] }],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { type: 'object', required: ['pushes_enabled'], properties: { pushes_enabled: { type: 'boolean' } } },
          },
        },
      },
      responses: { 200: { description: 'the settings', content: { 'application/json': { schema: SETTINGS } } } },
    },
  },
};

/** The document with the pending paths the server does not document yet. */
function withPending(doc) {
  const paths = Object.assign({}, doc.paths);
  Object.keys(PENDING_PATHS).forEach((p) => {
    if (!paths[p]) {
      paths[p] = PENDING_PATHS[p];
    }
  });
  return Object.assign({}, doc, { paths });
}

/** Pending paths the server's document now has (their entries here are no longer used). */
function documented(doc) {
  return Object.keys(PENDING_PATHS).filter((p) => doc.paths && doc.paths[p]);
}

module.exports = { PENDING_PATHS, withPending, documented };
