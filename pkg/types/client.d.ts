// The API client: UpvestClient and the webhook subscription types.
import type { Jwks } from './keys.js';
import type { WebhookVerifier, WebhookVerifierOptions } from './verifier.js';
import type { WebhookCategory } from '../events.js';

/**
 * How deliveries are batched.
 *
 * @category API client
 */
export interface WebhookConfig {
  /** Maximum collection time: `^[1-9][0-9]?[sm]$`, for example `"5s"` (Upvest's docs cap it at 30 s). */
  delay: string;
  /** Maximum package size in bytes, 100 to 1048576. */
  max_package_size: number;
}

/**
 * A webhook subscription (fields keep the API's snake_case names).
 *
 * @category API client
 */
export interface Webhook {
  /** Webhook id (a UUID): the `webhook_id` of the events it delivers. */
  id: string;
  /** RFC 3339 date and time of creation. */
  created_at: string;
  /** RFC 3339 date and time of the last change. */
  updated_at: string;
  /** At most 100 characters. */
  title: string;
  /** https, at most 1000 characters. */
  url: string;
  /** Whether Upvest delivers to it; new webhooks start disabled. */
  enabled: boolean;
  /** The subscribed categories. */
  type: WebhookCategory[];
  /** Batching. */
  config: WebhookConfig;
  /** Fields a newer API version adds. */
  [field: string]: unknown;
}

/**
 * Body of `POST /webhooks`.
 *
 * @category API client
 */
export interface CreateWebhookRequest {
  /** At most 100 characters. */
  title: string;
  /** Where to deliver: https, at most 1000 characters. */
  url: string;
  /** Default `["ALL"]`. */
  type?: WebhookCategory[];
  /** Batching (default: Upvest's defaults). */
  config?: Partial<WebhookConfig>;
  /** With `type: ["ALL"]`, event types to leave out (documented by Upvest, not in OpenAPI 1.9.0). */
  exclude_type?: string[];
}

/**
 * Body of `PATCH /webhooks/{id}`: at least one field.
 *
 * @category API client
 */
export interface UpdateWebhookRequest {
  /** At most 100 characters. */
  title?: string;
  /** https, at most 1000 characters. */
  url?: string;
  /** `true` to start deliveries, `false` to pause them. */
  enabled?: boolean;
  /** Replaces the subscribed categories. */
  type?: WebhookCategory[];
  /** Batching changes. */
  config?: Partial<WebhookConfig>;
  /** With `type: ["ALL"]`, event types to leave out. */
  exclude_type?: string[];
}

/**
 * Query of `GET /webhooks`.
 *
 * @category API client
 */
export interface ListWebhooksParams {
  /** 0 to 1000, default 100. */
  limit?: number;
  /** How many to skip (default 0). */
  offset?: number;
  /** The sort field (default `created_at`). */
  sort?: 'created_at' | 'updated_at' | 'title' | 'url' | 'enabled';
  /** The sort order (default `ASC`). */
  order?: 'ASC' | 'DESC';
}

/**
 * A page of webhooks.
 *
 * @category API client
 */
export interface WebhookList {
  /** The page: `count` items from `offset`, of `total_count`. */
  meta: {
    /** How many were skipped. */
    offset: number;
    /** The page size asked for. */
    limit: number;
    /** How many this page holds. */
    count: number;
    /** How many there are in all. */
    total_count: number;
    /** The sort field. */
    sort?: string;
    /** The sort order. */
    order?: 'ASC' | 'DESC';
  };
  /** The webhooks of this page. */
  data: Webhook[];
}

/**
 * Per-call options.
 *
 * @category API client
 */
export interface CallOptions {
  /** Aborts the call, including retries and waits; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** For POST and PATCH: your own idempotency key (default a fresh UUID v4 per call, reused on its retries). */
  idempotencyKey?: string;
}

/**
 * Options of {@link UpvestClient}.
 *
 * @category API client
 */
export interface UpvestClientOptions {
  /** Default `https://sandbox.upvest.co`; `https://api.upvest.co` for live. */
  baseUrl?: string;
  /** The OAuth2 client id Upvest gave you. */
  clientId: string;
  /** The OAuth2 client secret; never appears in messages. */
  clientSecret: string;
  /** The id Upvest gave your public key. */
  keyId: string;
  /** PEM (PKCS#8, SEC1 "EC PRIVATE KEY", either encrypted) or a private JWK; ECDSA P-521 or Ed25519. */
  privateKey: string | Record<string, unknown>;
  /** For encrypted PEMs (as `openssl ec -aes256` writes them). */
  privateKeyPassphrase?: string;
  /** Default `['webhooks:read', 'webhooks:admin']`. */
  scopes?: string[];
  /**
   * Default the global `fetch`. It is called with one argument, the signed
   * `Request` to send (its headers, body and an `AbortSignal` for
   * `timeoutMs` and the call's `signal`), and must resolve to a `Response`;
   * anything else fails the call with `ERR_API_INVALID_RESPONSE`, the value
   * as `cause`, without retries.
   */
  fetch?: (request: Request) => Promise<Response>;
  /** Per-attempt timeout including the body (default 30000). */
  timeoutMs?: number;
  /** Retries for 429, 500, 502, 503, 504, network errors and timeouts (default 2). */
  maxRetries?: number;
  /** First backoff step; doubles per retry, with jitter (default 500). */
  retryBaseDelayMs?: number;
  /** Longest wait, also for `Retry-After` (default 30000). */
  retryMaxDelayMs?: number;
  /** `expires - created` of request signatures (default 60). */
  signatureLifetimeSeconds?: number;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Also accept `http://localhost`, `http://127.0.0.1` and `http://[::1]` webhook URLs, for local emulators (default false; Upvest requires https). */
  allowHttpLocalhost?: boolean;
}

/**
 * The webhook operations, as {@link UpvestClient.webhooks}. Each rejects with an
 * {@link UpvestApiError}, an {@link UpvestValidationError} (before sending) or an
 * {@link UpvestError} `ERR_NETWORK` / `ERR_TIMEOUT`.
 *
 * @category API client
 */
export interface WebhooksApi {
  /** `POST /webhooks`. New webhooks start disabled: enable with `update(id, { enabled: true })`. */
  create(body: CreateWebhookRequest, options?: CallOptions): Promise<Webhook>;
  /** `PATCH /webhooks/{id}`. */
  update(id: string, body: UpdateWebhookRequest, options?: CallOptions): Promise<Webhook>;
  /** `GET /webhooks`. */
  list(params?: ListWebhooksParams, options?: CallOptions): Promise<WebhookList>;
  /** Every webhook, fetching pages lazily. */
  listAll(params?: Omit<ListWebhooksParams, 'limit'> & { pageSize?: number }, options?: CallOptions): AsyncIterableIterator<Webhook>;
  /** `GET /webhooks/{id}`. */
  retrieve(id: string, options?: CallOptions): Promise<Webhook>;
  /** `POST /webhooks/{id}/test`: resolves once Upvest accepted it (202). */
  test(id: string, options?: CallOptions): Promise<void>;
  /** `DELETE /webhooks/{id}`. */
  delete(id: string, options?: CallOptions): Promise<void>;
}

/**
 * The Upvest API client: OAuth2 client credentials, HTTP message signatures
 * on every request, retries, timeouts and aborts.
 *
 * @example
 * ```js
 * const upvest = new UpvestClient({ clientId, clientSecret, keyId, privateKey });
 * const hook = await upvest.webhooks.create({ title: 'Orders', url: 'https://tenant.example/hooks', type: ['ORDER'] });
 * await upvest.webhooks.update(hook.id, { enabled: true });
 * ```
 *
 * @category API client
 */
export declare class UpvestClient {
  /** @throws {@link UpvestError} `ERR_INVALID_ARGUMENT` or `ERR_PRIVATE_KEY_INVALID`. */
  constructor(options: UpvestClientOptions);
  /** Create, list, retrieve, update, test and delete webhooks. */
  readonly webhooks: WebhooksApi;
  /** `GET /auth/verify_keys`. */
  verificationKeys(options?: CallOptions): Promise<Jwks>;
  /** A verifier whose keys come from {@link UpvestClient.verificationKeys}, cached and refetched on rotation. */
  webhookVerifier(options?: Omit<WebhookVerifierOptions, 'keys' | 'fetch'>): WebhookVerifier;
  /** Releases the WebAssembly memory of this client. */
  free(): void;
}
