// examples/bun: server.js (Bun.serve + webhookHandler) runs in Bun 1 (the
// @oven/bun-linux-x64 package), from a copy with the packed tarball
// installed; the emulator delivers to it (see support/fetch-server.mjs).
//
//   make consumer && node --test tests/examples/bun.test.mjs

import { describeFetchServerExample } from './support/fetch-server.mjs';

describeFetchServerExample({ example: 'bun', runtime: 'bun', args: ['server.js'] });
