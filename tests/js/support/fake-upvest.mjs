// The fake Upvest API of the client test suites: a thin layer over the local
// emulator shipped in the package (pkg/emulator/), so there is one
// implementation of the API, its signature checks and its fault injection.
//
//   const fake = await startFakeUpvest();
//   fake.baseUrl, fake.clientId, fake.clientSecret, fake.keyId,
//   fake.privateKeyPem, fake.privateKeyJwk        // for the client under test
//   fake.state.webhooks                           // Map id → webhook
//   fake.requests                                 // every API request received, with its verification result
//   fake.inject({ status: 503 })                  // fault injection (pkg/emulator/faults.mjs)
//   fake.signDelivery({ url, events })            // a delivery signed as Upvest signs them
//   await fake.close();
//
// Differences from `startEmulator` defaults, for the client tests:
// - `dispatch: false`: deliveries (webhooks.test()) are built, signed and
//   recorded in `fake.state.testDeliveries`, never sent: the tests' webhook
//   URLs (https://hooks.example.com/…) are not reachable.
// - `defaultConfig: { delay: '5s', max_package_size: 10240 }`.
// Every other option is the emulator's (see pkg/emulator/server.mjs).
//
// Standalone: `node tests/js/support/fake-upvest.mjs [port]` (or, better,
// `node pkg/emulator/cli.mjs`, which also delivers).

import { pathToFileURL } from 'node:url';
import { manualClock, startEmulator } from '../../../pkg/emulator/server.mjs';

export { manualClock, startEmulator };
export { StructuredFieldError, parseDictionary } from '../../../pkg/emulator/structured-fields.mjs';
export { generateTenantKey, verifyRequestSignature } from '../../../pkg/emulator/request-signatures.mjs';
export { ORDERS, SCOPES, SORT_FIELDS, WEBHOOK_TYPES } from '../../../pkg/emulator/validation.mjs';

/** Starts the emulator as the client tests use it (see the header); resolves the running instance. */
export function startFakeUpvest(options = {}) {
  return startEmulator({ dispatch: false, defaultConfig: { delay: '5s', max_package_size: 10240 }, ...options });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fake = await startFakeUpvest({
    port: Number(process.argv[2] ?? 0),
    onResponse: (r) => console.error(`${r.method} ${r.url} → ${r.status}${r.signature?.error ? ` (${r.signature.error})` : ''}`),
  });
  console.log(
    JSON.stringify(
      { baseUrl: fake.baseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret, keyId: fake.keyId, privateKeyPem: fake.privateKeyPem },
      null,
      2,
    ),
  );
  const stop = () => fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
