#!/usr/bin/env node
// Manage Upvest webhook subscriptions from the command line with UpvestClient.
//
//   node webhooks.js list
//   node webhooks.js create --url https://tenant.example/webhooks/upvest [--title T] [--type ORDER --type USER] [--delay 5s] [--max-package-size 10240] [--enable]
//   node webhooks.js enable ID | disable ID | test ID | delete ID
//   add --json for machine-readable output
//
// Environment:
//   UPVEST_BASE_URL                default https://sandbox.upvest.co (https://api.upvest.co for live)
//   UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET, UPVEST_KEY_ID
//   UPVEST_PRIVATE_KEY             PEM text, a private JWK (JSON), or a path to either
//   UPVEST_PRIVATE_KEY_PASSPHRASE  if the PEM is encrypted
//   UPVEST_ALLOW_HTTP_LOCALHOST=1  accept http://localhost webhook URLs (the local emulator only)
//
// Exit codes: 0 done, 1 the API or validation said no, 2 usage or configuration.

import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UpvestClient, UpvestError } from 'upvest-webhooks';

const USAGE = `usage: node webhooks.js <command> [options] [--json]
  list                                   every webhook
  create --url URL [--title T] [--type CATEGORY]... [--delay 5s] [--max-package-size N] [--enable]
  enable ID | disable ID                 turn deliveries on or off (new webhooks start disabled)
  test ID                                ask Upvest to send a test delivery
  delete ID`;

class UsageError extends Error {}

function clientFromEnv(env) {
  const missing = ['UPVEST_CLIENT_ID', 'UPVEST_CLIENT_SECRET', 'UPVEST_KEY_ID', 'UPVEST_PRIVATE_KEY'].filter((name) => !env[name]);
  if (missing.length) throw new UsageError(`missing environment variable(s): ${missing.join(', ')}`);
  let key = env.UPVEST_PRIVATE_KEY;
  if (!key.includes('-----BEGIN') && !key.trim().startsWith('{')) {
    if (!existsSync(key)) throw new UsageError('UPVEST_PRIVATE_KEY is neither a PEM, a JWK, nor an existing file');
    key = readFileSync(key, 'utf8');
  }
  return new UpvestClient({
    baseUrl: env.UPVEST_BASE_URL || undefined,
    clientId: env.UPVEST_CLIENT_ID,
    clientSecret: env.UPVEST_CLIENT_SECRET,
    keyId: env.UPVEST_KEY_ID,
    privateKey: key.trim().startsWith('{') ? JSON.parse(key) : key, // PEM text or a JWK object
    privateKeyPassphrase: env.UPVEST_PRIVATE_KEY_PASSPHRASE || undefined,
    allowHttpLocalhost: ['1', 'true'].includes(env.UPVEST_ALLOW_HTTP_LOCALHOST ?? ''),
  });
}

const describe = (h) =>
  `${h.id}  ${h.enabled ? 'enabled ' : 'disabled'}  ${h.title}  ${h.url}  [${h.type.join(', ')}]  delay ${h.config?.delay}, max ${h.config?.max_package_size} B`;

async function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
      title: { type: 'string' },
      type: { type: 'string', multiple: true },
      delay: { type: 'string' },
      'max-package-size': { type: 'string' },
      enable: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, id, ...extra] = positionals;
  if (values.help || !command) return { text: USAGE };
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const needId = () => {
    if (!id) throw new UsageError(`${command} needs a webhook id`);
    return id;
  };
  const upvest = clientFromEnv(process.env);

  switch (command) {
    case 'list': {
      const hooks = [];
      for await (const hook of upvest.webhooks.listAll({ sort: 'created_at', order: 'ASC' })) hooks.push(hook);
      return { json: hooks, text: hooks.length ? hooks.map(describe).join('\n') : 'no webhooks' };
    }
    case 'create': {
      if (!values.url) throw new UsageError('create needs --url');
      const config = {};
      if (values.delay) config.delay = values.delay;
      if (values['max-package-size']) config.max_package_size = Number(values['max-package-size']);
      let hook = await upvest.webhooks.create({
        title: values.title ?? `webhook for ${new URL(values.url).host}`,
        url: values.url,
        type: values.type
          ?.flatMap((t) => t.split(','))
          .map((t) => t.trim())
          .filter(Boolean) ?? ['ALL'],
        ...(Object.keys(config).length ? { config } : {}),
      });
      if (values.enable) hook = await upvest.webhooks.update(hook.id, { enabled: true });
      return { json: hook, text: `created ${describe(hook)}` };
    }
    case 'enable':
    case 'disable': {
      const hook = await upvest.webhooks.update(needId(), { enabled: command === 'enable' });
      return { json: hook, text: `${command}d ${describe(hook)}` };
    }
    case 'test':
      await upvest.webhooks.test(needId());
      return { json: { id, test: 'accepted' }, text: `test delivery requested for ${id}` };
    case 'delete':
      await upvest.webhooks.delete(needId());
      return { json: { id, deleted: true }, text: `deleted ${id}` };
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

try {
  const json = process.argv.includes('--json');
  const result = await main(process.argv.slice(2));
  console.log(json && result.json !== undefined ? JSON.stringify(result.json, null, 2) : result.text);
} catch (err) {
  if (err instanceof UsageError || err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof UpvestError) {
    // UpvestApiError: status, problem fields and upvestRequestId (quote it to Upvest support);
    // UpvestValidationError: field and rule, nothing was sent.
    const details = [
      err.status && `HTTP ${err.status}`,
      err.field && `field ${err.field} (${err.rule})`,
      err.upvestRequestId && `upvest-request-id ${err.upvestRequestId}`,
    ].filter(Boolean);
    console.error(`${err.code}: ${err.message}${details.length ? ` [${details.join(', ')}]` : ''}`);
    process.exit(1);
  }
  throw err;
}
