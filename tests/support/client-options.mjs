// UpvestClient options for a running emulator (its base URL, OAuth client and
// signing key), shared by the emulator, examples and demo suites.

/** @param {{ baseUrl: string, clientId: string, clientSecret: string, keyId: string, privateKeyPem: string }} emu */
export const clientOptionsFor = (emu) => ({
  baseUrl: emu.baseUrl,
  clientId: emu.clientId,
  clientSecret: emu.clientSecret,
  keyId: emu.keyId,
  privateKey: emu.privateKeyPem,
  allowHttpLocalhost: true, // Upvest requires https; the local receivers are plain http
});
