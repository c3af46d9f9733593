// Size only: everything the package exports, bundled for workerd as a
// Worker project would bundle it (not run).
export * from 'upvest-webhooks';
