// The shared vectors of http-signatures.md §11.6 (v15) and §11.7 (v6),
// copied verbatim. Both were produced with Upvest's own signers and a fixed
// test key; they verify at created = 1700000000.

export const VECTOR_NOW_MS = 1_700_000_000 * 1000;
export const VECTOR_KID = '11111111-2222-3333-4444-555555555555';

export const VECTOR_PRIVATE_KEY_PEM = `-----BEGIN EC PRIVATE KEY-----
MIHcAgEBBEIAAK0UbhbokUWTmsShGx09aCY4L7xhaJJgSwASrmIhyNDWDVCZU742
FgFsH+gWiBHOf+RjIHjPHJ8mpXOT1CoJ71ugBwYFK4EEACOhgYkDgYYABACXqOzV
O7AVrhBfH3eOZYGYx8BMJRp+fBOpUeIdvjie6uVhYj4WJAajd6j0W2pr1rgY8JVr
8crpWXmG//ges6ZPRAHzw3R8W+ze6CS99tfbZnnpkER+b4Sls7+PA5/hPM0vwZZK
spy+zQ1JOBBmdvGVSuKIZql3Sw/uMaSkKzz1ZX2e9Q==
-----END EC PRIVATE KEY-----
`;

export const VECTOR_JWKS = {
  keys: [
    {
      kid: VECTOR_KID,
      kty: 'EC',
      crv: 'P-521',
      x: 'AJeo7NU7sBWuEF8fd45lgZjHwEwlGn58E6lR4h2-OJ7q5WFiPhYkBqN3qPRbamvWuBjwlWvxyulZeYb_-B6zpk9E',
      y: 'AfPDdHxb7N7oJL3219tmeemQRH5vhKWzv48Dn-E8zS_BlkqynL7NDUk4EGZ28ZVK4ohmqXdLD-4xpKQrPPVlfZ71',
    },
  ],
};

/** §11.4: the example JWKS of GET /auth/verify_keys (a valid P-521 point). */
export const DOCS_EXAMPLE_JWKS = {
  keys: [
    {
      kid: '9ed77463-c18e-4794-ab5c-17423f9b801a',
      kty: 'EC',
      crv: 'P-521',
      x: 'AcYAf5Ou0UvtehpeRvyhnvvrUQvjI4B3VCxfSmxK4gqKJGxO_jTB-nTdrHbBfmZpwmwYR86DppMg43E579K5MQ54',
      y: 'ALkrId77iD0Ye2vBS5bTkLqPH-bo8urTpTXiNc6Ub-VOFbXfJrR0tQ8COvVXXu58BTu8jWV-1mtbjfJpDl3ISbcK',
    },
  ],
};

const V15_PARAMS =
  '("@method" "@path" "@query" "authorization" "content-type" "accept" "upvest-api-version" "upvest-client-id" "idempotency-key" "date" "content-digest" "content-length");keyid="11111111-2222-3333-4444-555555555555";nonce="b6f5a4a8-0c1e-4c53-9f64-2b8f6c3e9d10";created=1700000000;expires=1700000010';

export const V15_BASE = [
  '"@method": POST',
  '"@path": /users',
  '"@query": ?limit=2',
  '"authorization": Bearer access-token',
  '"content-type": application/json',
  '"accept": application/json',
  '"upvest-api-version": 1',
  '"upvest-client-id": 5ec16164-6173-461d-b90d-116d68f55b40',
  '"idempotency-key": 2133825797664cad',
  '"date": Tue, 14 Nov 2023 22:13:20 GMT',
  '"content-digest": sha-512=:Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==:',
  '"content-length": 16',
  `"@signature-params": ${V15_PARAMS}`,
].join('\n');

export const V15_SIGNATURE_DER =
  'MIGIAkIAlbY2ak2yQZUvHQCbEZL++ks+hcrHaZxhuaayHoaIm17Z1AdWxCFNB7tcNj6415nk/8+ieSXXkSOcnmNX3pGFtiwCQgEW5EfSwbDVZ/e80T0MXkzKF9R761zt4eyiyg5IRc34QOpXgH6ufs+TvtX31QgTV6fMu1jQbzzKlFwdC/WMhoyRJQ==';
export const V15_SIGNATURE_RAW =
  'AJW2NmpNskGVLx0AmxGS/vpLPoXKx2mcYbmmsh6GiJte2dQHVsQhTQe7XDY+uNeZ5P/Ponkl15EjnJ5jV96RhbYsARbkR9LBsNVn97zRPQxeTMoX1HvrXO3h7KLKDkhFzfhA6leAfq5+z5O+1ffVCBNXp8y7WNBvPMqUXB0L9YyGjJEl';

/** The §11.6 request (headers as a client would send them), signed with `signatureB64`. */
export function v15Request(signatureB64 = V15_SIGNATURE_DER, { versionHeader = true } = {}) {
  const headers = {
    Authorization: 'Bearer access-token',
    'Content-Type': 'application/json',
    Accept: 'application/json',
    'upvest-api-version': '1',
    'upvest-client-id': '5ec16164-6173-461d-b90d-116d68f55b40',
    'idempotency-key': '2133825797664cad',
    Date: 'Tue, 14 Nov 2023 22:13:20 GMT',
    'content-digest': 'sha-512=:Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==:',
    'content-length': '16',
    'signature-input': `sig1=${V15_PARAMS}`,
    signature: `sig1=:${signatureB64}:`,
  };
  if (versionHeader) headers['upvest-signature-version'] = '15';
  return { method: 'POST', url: 'https://sandbox.upvest.co/users?limit=2', headers, body: '{"key": "value"}' };
}

const V6_PARAMS =
  '("@method" "@path" "content-length" "content-type" "digest");keyid="11111111-2222-3333-4444-555555555555";created=1700000000;expires=1700000005;nonce="o085M4cMgpbicuOL"';

export const V6_BASE = [
  '@method: POST',
  '@path: /webhooks/upvest',
  'content-length: 16',
  'content-type: application/json',
  'digest: SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=',
  `@signature-params: ${V6_PARAMS}`,
].join('\n');

export const V6_SIGNATURE_DER =
  'MIGHAkERMn1G0uVgqTmMQIYCBs6/tuJHaODLteI3efk0DW0scoLm+AjebCYWn+yvqM8i+WYpo4he/x18cULtnO/awkSDlQJCAS4RCQ11yF9EN42hFv2YI5r08OBFEN49RpramawF2PN9b8/gnu+dnBWx7pxdqqkMP73TjElDyDRMkpyRZ44CCESO';

/** The §11.7 delivery. The URL's host is not covered, so any host works. */
export function v6Request({ headers = {}, url = 'https://tenant.example/webhooks/upvest' } = {}) {
  return {
    method: 'POST',
    url,
    headers: {
      'content-length': '16',
      'content-type': 'application/json',
      digest: 'SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=',
      'signature-input': `sig1=${V6_PARAMS}`,
      signature: `sig1=:${V6_SIGNATURE_DER}:`,
      ...headers,
    },
    body: '{"key": "value"}',
  };
}
