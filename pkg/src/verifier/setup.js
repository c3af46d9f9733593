// Instantiation shared by the verifier's per-runtime entry files.
import * as glue from '../../dist/verifier/upvest_webhooks_verifier.js';
import { instantiation } from '../instantiate.js';

export const { setupSync, setup } = instantiation(glue);
