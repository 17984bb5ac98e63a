import { base64url, base64urlDecodeText, codeChallengeS256, createCodeVerifier, randomToken } from './pkce';

// RFC 7636 Appendix B: the 32 octets, the verifier they encode to, and its S256 challenge.
const APPENDIX_B_OCTETS = new Uint8Array([
  116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91,
  88, 5, 88, 83, 132, 141, 121,
]);
const APPENDIX_B_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const APPENDIX_B_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE', () => {
  it('encodes the RFC 7636 Appendix B octets to its code verifier', () => {
    expect(createCodeVerifier(APPENDIX_B_OCTETS)).toBe(APPENDIX_B_VERIFIER);
  });

  it('derives the RFC 7636 Appendix B S256 code challenge', async () => {
    expect(await codeChallengeS256(APPENDIX_B_VERIFIER)).toBe(APPENDIX_B_CHALLENGE);
  });

  it('makes a different 43-character unreserved verifier every time', () => {
    const a = createCodeVerifier();
    const b = createCodeVerifier();
    expect(a).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
    expect(b).not.toBe(a);
  });

  it('accepts up to 128 characters and refuses verifiers outside 43 to 128', async () => {
    expect(createCodeVerifier(new Uint8Array(96)).length).toBe(128);
    expect(() => createCodeVerifier(new Uint8Array(31))).toThrowError(RangeError);
    expect(() => createCodeVerifier(new Uint8Array(97))).toThrowError(RangeError);
    await expectAsync(codeChallengeS256('too-short')).toBeRejectedWithError(RangeError);
    await expectAsync(codeChallengeS256(`${APPENDIX_B_VERIFIER}+`)).toBeRejectedWithError(RangeError);
  });

  it('uses base64url without padding', () => {
    expect(base64url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(base64urlDecodeText('eyJhIjoiw6kifQ')).toBe('{"a":"é"}');
  });

  it('makes unguessable state values', () => {
    const state = randomToken();
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(state);
  });
});
