/**
 * Putting the application form on the server, kept out of pages/apply:
 * the first save is a POST with the form's Idempotency-Key, resent with the
 * very same key and body until an answer arrives (also after the app was
 * closed: the body is in the draft, its bank account reduced to the last 4
 * digits and completed when it is typed again); later saves are PUTs with
 * the `version`. A definite 4xx answer to the POST starts a new key.
 *
 *   const sync = createSync(draft, { changed: () => saveDraftNow() });
 *   sync.persist({ form, policy, attachments, keep, onKept })  // -> the application
 *   sync.appId, sync.version, sync.idempotencyKey, sync.pendingCreate, sync.base
 *
 * `keep` (submitting): a POST that meets no network waits for it
 * (api/request.js keepUntilOnline) and `onKept` is told.
 *
 * whatToShow(err, …) turns a failed save or submit into what the page shows.
 */
const applicationsApi = require('../api/applications');
const http = require('../api/request');
const model = require('./application-form');
const drafts = require('./application-draft');
const { uuid4 } = require('./uuid');

function createSync(initial, { changed } = {}) {
  const from = initial || {};
  const notify = () => {
    if (typeof changed === 'function') {
      changed();
    }
  };

  const sync = {
    appId: from.application_id || null,
    version: from.version === null ? undefined : from.version,
    idempotencyKey: from.idempotency_key || uuid4(),
    pendingCreate: from.pending_create || null,
    base: from.base || null,

    /** The application from the server is now the one being edited. */
    took(app) {
      sync.appId = app.id;
      sync.version = app.version;
      sync.base = model.formFromApplication(app);
    },

    /** The server draft is gone (withdrawn elsewhere): the next save starts a new one. */
    forget() {
      sync.appId = null;
      sync.version = undefined;
      sync.base = null;
      sync.pendingCreate = null;
      sync.idempotencyKey = uuid4();
      notify();
    },

    update(body) {
      const payload = Object.assign({}, body, { version: sync.version });
      return applicationsApi.updateApplication(sync.appId, payload, { silent: true }).then((app) => {
        sync.version = app.version;
        sync.base = model.formFromApplication(app);
        notify();
        return app;
      });
    },

    create(form, policy, attachments, { keep, onKept }) {
      const body = model.toBody(form, policy, { attachments, create: true });
      let sent = sync.pendingCreate ? drafts.restoreBankAccount(sync.pendingCreate, form.bank_account) : null;
      if (sync.pendingCreate && !sent) {
        // The account typed again is not the one of the unanswered try: a new request.
        sync.idempotencyKey = uuid4();
      }
      if (!sent) {
        sent = body;
      }
      sync.pendingCreate = sent;
      notify(); // the key and the body are on the phone before they are sent
      const options = { silent: true };
      if (keep) {
        options.keepUntilOnline = true;
        options.onKept = onKept;
      }
      return applicationsApi.createApplication(sent, sync.idempotencyKey, options).then(
        (app) => {
          sync.took(app);
          sync.pendingCreate = null;
          notify();
          if (JSON.stringify(sent) !== JSON.stringify(body)) {
            // Changed since the first try: the draft exists now, update it.
            return sync.update(model.toBody(form, policy, { attachments }));
          }
          return app;
        },
        (err) => {
          if (!http.isNetworkError(err) && err.status > 0 && err.status < 500) {
            // A definite answer: nothing was created, the next try is a new request.
            sync.pendingCreate = null;
            sync.idempotencyKey = uuid4();
            notify();
          }
          throw err;
        },
      );
    },

    /** Creates the server draft or updates it; resolves with the application. */
    persist({
      form, policy, attachments, keep = false, onKept,
    }) {
      if (!sync.appId) {
        return sync.create(form, policy, attachments, { keep, onKept });
      }
      return sync.update(model.toBody(form, policy, { attachments }));
    },
  };
  return sync;
}

/**
 * What the page shows for a failed save or submit:
 *   { kind: 'network' }                          the phone had no network
 *   { kind: 'stale' } / { kind: 'transition' }   reload from the server
 *   { kind: 'privacy' }                          ask the privacy consent again
 *   { kind: 'gone' }                             the server draft is gone
 *   { kind: 'block', message, action }           a banner with the way on (policies | applications)
 *   { kind: 'field', key, message }              under a form field
 *   { kind: 'material', material, message }      under a material block
 *   { kind: 'banner', message }                  above the buttons
 * `texts` holds the page's plain words (LOAN_LIMIT, ALREADY_GRANTED, …).
 */
function whatToShow(err, { policy, appId, mode, texts }) {
  const t = texts || {};
  if (http.isNetworkError(err)) {
    return { kind: 'network' };
  }
  switch (err.code) {
    case 'STALE_VERSION':
      return { kind: 'stale' };
    case 'INVALID_TRANSITION':
      return { kind: 'transition', message: err.message || t.INVALID_TRANSITION };
    case 'PRIVACY_CONSENT_REQUIRED':
      return { kind: 'privacy' };
    case 'AMOUNT_OVER_CAP':
      return { kind: 'field', key: 'amount_yuan', message: err.message || t.FIX_ERRORS };
    case 'LOAN_LIMIT_REACHED':
      return { kind: 'block', message: t.LOAN_LIMIT, action: 'applications' };
    case 'ALREADY_GRANTED':
      return { kind: 'block', message: t.ALREADY_GRANTED, action: 'applications' };
    case 'NOT_ELIGIBLE':
      return { kind: 'block', message: err.message || t.NOT_ELIGIBLE, action: 'policies' };
    case 'IDEMPOTENCY_KEY_REUSED':
      return { kind: 'banner', message: t.KEY_REUSED };
    default:
      break;
  }
  if (err.status === 404 && appId && mode === 'new') {
    return { kind: 'gone' };
  }
  const key = model.formKeyOfServerField(err.field);
  if (key) {
    return { kind: 'field', key, message: err.message };
  }
  if (err.field === 'attachments' || err.code === 'ATTACHMENT_INVALID') {
    return { kind: 'banner', message: err.message || t.ATTACHMENTS };
  }
  const material = ((policy && policy.materials) || []).find((m) => m.kind === err.field);
  if (material) {
    return { kind: 'material', material: material.kind, message: err.message };
  }
  return { kind: 'banner', message: err.message || t.LOAD_FAILED };
}

module.exports = { createSync, whatToShow };
