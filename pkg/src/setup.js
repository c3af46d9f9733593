// Instantiation shared by the per-runtime entry files.
import * as glue from '../dist/wasm/upvest_webhooks.js';
import { instantiation } from './instantiate.js';

export const { setupSync, setup } = instantiation(glue);
