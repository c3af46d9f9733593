// Errors as Upvest sends them: `application/problem+json` (RFC 7807) with
// `type` (a docs URL), `status`, `title`, `detail`, `request_id`
// (webhooks-api.md §1.2).

export const ERROR_DOCS = 'https://docs.upvest.co/errors/';

/** Default `title` per status. */
export const TITLES = Object.freeze({
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
});

/** Default `type` code per status (used by injected faults). */
export const CODES = Object.freeze({
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  500: 'internal_server_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
});

/** An error that becomes a problem+json response. `code` is the last segment of `type`. */
export class HttpProblem extends Error {
  /**
   * @param {number} status HTTP status
   * @param {string} code e.g. `bad_request` (→ `type: https://docs.upvest.co/errors/bad_request`)
   * @param {string} [detail]
   * @param {Record<string, any>} [extra] `{ retryAfter, instance, field, signature, title }`
   */
  constructor(status, code, detail, extra = {}) {
    super(detail ?? code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.extra = extra;
    if (extra.title) this.title = extra.title;
  }
}

/** Shorthand for `new HttpProblem(…)`. */
export const problem = (status, code, detail, extra) => new HttpProblem(status, code, detail, extra);

/**
 * The response for an HttpProblem: `{ status, headers, body }` with the
 * problem+json body (and Retry-After when `extra.retryAfter` is set).
 */
export function problemResponse(requestId, err) {
  const body = {
    type: `${ERROR_DOCS}${err.code}`,
    status: err.status,
    title: err.title ?? TITLES[err.status] ?? 'Error',
    ...(err.detail ? { detail: err.detail } : {}),
    ...(err.extra?.instance ? { instance: err.extra.instance } : {}),
    request_id: requestId,
  };
  const headers = { 'content-type': 'application/problem+json' };
  if (err.extra?.retryAfter !== undefined) headers['retry-after'] = String(err.extra.retryAfter);
  return { status: err.status, headers, body: JSON.stringify(body) };
}
