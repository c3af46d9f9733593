// Types of `upvest-webhooks/emulator` (emulator/server.mjs): the local Upvest
// emulator. Node only. Shapes marked "for tests" may change between versions.

import type { Jwks, PrivateJwk } from '../index.js';

/** A node:crypto `KeyObject` (typed structurally, so that @types/node is not required). */
export type KeyObject = { readonly type: 'private' | 'public' | 'secret'; readonly asymmetricKeyType?: string; export(options?: unknown): unknown };

/** `GET /emulator` lists these admin routes. */
export declare const ADMIN_ROUTES: readonly string[];

/** A manual clock for tests (pass `now: clock.now` to {@link startEmulator}). */
export declare function manualClock(startMs?: number): {
  now(): number;
  set(ms: number): void;
  advance(ms: number): number;
};

/** A private key in one of the forms node:crypto reads. */
export type KeyLike = string | KeyObject | Record<string, unknown>;

/** Options of {@link startEmulator} (all optional). */
export interface EmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Tenant credentials (default random). */
  clientId?: string;
  clientSecret?: string;
  /** Reuse a tenant key, or fix its id (otherwise one is generated). */
  tenantKey?: KeyLike | { keyId?: string; privateKey?: KeyLike };
  /** The generated tenant key's type (default `'p521'`). */
  keyType?: 'p521' | 'ed25519';
  /** More tenant public keys. */
  keys?: Array<{ keyId: string; publicKey: KeyLike }>;
  /** Scopes the tenant may request (default both webhook scopes). */
  allowedScopes?: string[];
  /** Token lifetime in seconds (default 1799). */
  tokenExpiresIn?: number;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Request signature `created` window, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Reject a (keyid, nonce) pair seen before (default true). */
  rejectReplayedNonces?: boolean;
  /** Accept `http://localhost|127.0.0.1|[::1]` webhook URLs (default true). */
  allowHttpLocalhost?: boolean;
  /** Config of a webhook created without one (default `{ delay: '1s', max_package_size: 10240 }`). */
  defaultConfig?: { delay: string; max_package_size: number };
  /** Delivery signing keys published at /auth/verify_keys (default 1). */
  verificationKeyCount?: number;
  /** Multiplies batching delays, retry backoff and key grace periods (> 0, default 1; 0.01 makes 1 s 10 ms). */
  timeFactor?: number;
  /** `false` builds and queues deliveries without sending them (default true). */
  dispatch?: boolean;
  /** Per-attempt delivery timeout in milliseconds, not scaled (default 10000). */
  deliveryTimeoutMs?: number;
  /** Retry backoff cap in seconds (default 600). */
  maxBackoffSeconds?: number;
  /** Injectable delivery transport. */
  transport?: (request: SignedDelivery, options: { timeoutMs: number; signal: AbortSignal }) => Promise<{ status: number; body?: string }>;
  /** Injectable timers. */
  timers?: { setTimeout: (fn: () => void, ms: number) => unknown; clearTimeout: (timer: unknown) => void };
  /** API requests kept in `requests` (default unlimited). */
  requestLogLimit?: number;
  /** Extra fields for `GET /emulator/info`. */
  info?: Record<string, unknown>;
  /** Called with each API log entry once answered (or faulted). */
  onResponse?: (entry: RequestLogEntry) => void;
  /** Called after each delivery attempt. */
  onDelivery?: (delivery: DeliveryView, attempt: DeliveryAttempt) => void;
  /** Called with the events of each emit. */
  onEmit?: (events: EmittedEvent[]) => void;
}

/** A signed webhook delivery (what the emulator POSTs, or `signDelivery` returns). */
export interface SignedDelivery {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One event spec of {@link Emulator.emit}. */
export interface EmitSpec {
  /** An event type (`ORDER.FILLED`), a category (`ORDER`) or `ALL`. */
  type: string;
  /** 1 to 100 (default 1). */
  count?: number;
  /** Merged into the sample object. */
  object?: Record<string, unknown>;
  /** The name of one of the category's OpenAPI examples. */
  example?: string;
  /** RFC 3339. */
  created_at?: string;
}

/** An emitted event and the webhooks it was routed to. */
export interface EmittedEvent {
  id: string;
  created_at: string;
  type: string;
  object: Record<string, unknown>;
  webhookIds: string[];
}

/** One delivery attempt. */
export interface DeliveryAttempt {
  n: number;
  at: string;
  status: number | null;
  error?: string;
  durationMs: number;
  responseBody?: string;
  retryInSeconds?: number;
  [field: string]: unknown;
}

/** A delivery, as `listDeliveries` / `GET /emulator/deliveries` show it. */
export interface DeliveryView {
  id: string;
  webhookId: string;
  test: boolean;
  state: 'pending' | 'retrying' | 'delivered' | 'failed' | (string & {});
  waiting?: string;
  url: string | null;
  createdAt: string | null;
  sealedAt: string | null;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  size: number;
  events: Array<{ id: string; type: string; created_at: string }>;
  attempts: DeliveryAttempt[];
  /** The exact signed request of the last attempt. */
  lastRequest: SignedDelivery | null;
}

/** One API request received by the emulator, with its signature check. */
export interface RequestLogEntry {
  seq: number;
  requestId: string;
  at: number;
  method: string;
  path: string;
  query: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  idempotencyKey: string | null;
  signature: ({ verified: boolean; error?: string } & Record<string, unknown>) | null;
  status: number | null;
  fault: Record<string, unknown> | null;
  replayed: boolean;
  [field: string]: unknown;
}

/** An API fault (see `POST /emulator/faults`). */
export interface FaultSpec {
  status?: number;
  kind?: 'status' | 'html' | 'drop' | 'hang' | 'partial' | 'delay';
  times?: number;
  method?: string;
  path?: string | RegExp | ((path: string) => boolean);
  pathPattern?: string;
  when?: 'before' | 'after';
  retryAfter?: number | string;
  delayMs?: number;
  body?: string;
  contentType?: string;
  includeTokenRequests?: boolean;
}

/** A tenant key made by `addTenantKey`. */
export interface TenantKey {
  keyId: string;
  type: 'p521' | 'ed25519';
  privateKey: KeyObject;
  privateKeyPem: string;
  privateKeyJwk: Record<string, unknown>;
  publicKey: KeyObject;
  publicKeyPem: string;
  [field: string]: unknown;
}

/** A running emulator. */
export interface Emulator {
  /** For example `http://127.0.0.1:8787`. */
  baseUrl: string;
  host: string;
  port: number;
  /** Test credentials of this emulator (not Upvest secrets). */
  clientId: string;
  clientSecret: string;
  /** The tenant key id (the client's `keyId`). */
  keyId: string;
  keyType: 'p521' | 'ed25519';
  privateKey: KeyObject;
  /** The tenant private key (the client's `privateKey`). */
  privateKeyPem: string;
  privateKeyJwk: Record<string, unknown>;
  publicKeyPem: string;
  scopes: string[];
  timeFactor: number;
  /** Internal state, for tests (shape not stable). */
  state: Record<string, unknown>;
  /** Every API request received (not admin routes or preflights). */
  requests: RequestLogEntry[];
  faults: Array<Record<string, unknown>>;
  readonly verifiedRequests: RequestLogEntry[];
  readonly apiRequests: RequestLogEntry[];
  readonly tokenRequests: RequestLogEntry[];
  inject(spec: FaultSpec): Record<string, unknown>;
  clearFaults(): void;
  registerKey(publicKey: KeyLike, keyId?: string): string;
  addTenantKey(type?: 'p521' | 'ed25519'): TenantKey;
  /** Revokes every issued token; returns how many. */
  revokeTokens(): number;
  /** Publishes one more (inactive) delivery signing key; returns its kid. */
  addVerificationKey(): string;
  /** The JWKS of `/auth/verify_keys`. */
  jwks(): Jwks;
  /** The kid of the key that signs deliveries now. */
  readonly activeKeyId: string;
  rotateKey(options?: { graceSeconds?: number }): { keyId: string; previousKeyId: string; graceSeconds: number; previousKeyRetiresAt: string };
  /** Signs a delivery as Upvest does, with a published key (`keyIndex`, default the active one) or `privateKey` + `kid`. Sends nothing. */
  signDelivery(options: {
    url: string;
    events?: unknown[];
    body?: string;
    keyIndex?: number;
    privateKey?: KeyObject | PrivateJwk | string;
    kid?: string;
    created?: number;
    expires?: number;
    nonce?: string;
  }): SignedDelivery;
  /** Emits sample events to the subscribed, enabled webhooks. */
  emit(spec: EmitSpec | { events: EmitSpec[] }): { events: EmittedEvent[] };
  listDeliveries(filter?: { webhookId?: string; state?: string }): DeliveryView[];
  getDelivery(id: string): DeliveryView | null;
  retryDelivery(id: string): unknown;
  flush(webhookId: string): unknown;
  /** What `GET /emulator/info` answers. */
  info(): Record<string, unknown> & { baseUrl: string; clientId: string; clientSecret: string; keyId: string; privateKeyPem: string };
  reset(): { reset: true };
  clearLog(): void;
  close(): Promise<void>;
}

/** Starts the emulator; resolves once it listens. */
export declare function startEmulator(options?: EmulatorOptions): Promise<Emulator>;
