// examples/deno: server.ts (Deno.serve + webhookHandler) runs in Deno 2 (the
// @deno/linux-x64-glibc package), from a copy with the packed tarball
// installed by npm, with the permissions its README gives; the emulator
// delivers to it (see support/fetch-server.mjs).
//
//   make consumer && node --test tests/examples/deno.test.mjs

import { describeFetchServerExample } from './support/fetch-server.mjs';

describeFetchServerExample({
  example: 'deno',
  runtime: 'deno',
  args: ['run', '--no-prompt', '--allow-net', '--allow-env', '--allow-read', 'server.ts'],
});
