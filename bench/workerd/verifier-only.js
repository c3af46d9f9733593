// Size only: everything `upvest-webhooks/verifier` exports, bundled for
// workerd as a Worker project would bundle it (not run).
export * from 'upvest-webhooks/verifier';
