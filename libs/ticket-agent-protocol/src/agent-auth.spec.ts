import { computeAgentProof, createAuthNonce, verifyAgentAuth } from './index';

describe('agent challenge-response', () => {
  const secret = 'k3y-of-agent-msk-1-0123456789';
  const agentId = 'agent-msk-1';

  it('makes fresh 32-byte hex nonces', () => {
    const a = createAuthNonce();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(createAuthNonce()).not.toBe(a);
  });

  it('accepts the proof made with the same secret, nonce, agent and version', () => {
    const nonce = createAuthNonce();
    const proof = computeAgentProof(secret, nonce, agentId);
    expect(proof).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyAgentAuth(secret, nonce, agentId, proof)).toBe(true);
  });

  it('is HMAC-SHA256 over nonce, agent id and version with separators (fixed vector)', () => {
    // Computed independently: (printf "a%.0s" {1..64}; printf "\0a\0001") | openssl dgst -sha256 -hmac secret
    const nonce = 'a'.repeat(64);
    expect(computeAgentProof('secret', nonce, 'a', 1)).toBe(
      '85f629f0f5a047d6bd9b39f53e47066f91669b9621bf20b6bde20c9dc18ed6c4',
    );
  });

  it('refuses a proof made with the wrong secret', () => {
    const nonce = createAuthNonce();
    const proof = computeAgentProof('another-secret-of-16+', nonce, agentId);
    expect(verifyAgentAuth(secret, nonce, agentId, proof)).toBe(false);
  });

  it('refuses a proof replayed against another nonce', () => {
    const recorded = createAuthNonce();
    const proof = computeAgentProof(secret, recorded, agentId);
    expect(verifyAgentAuth(secret, createAuthNonce(), agentId, proof)).toBe(false);
  });

  it('refuses a proof presented for another agent id or protocol version', () => {
    const nonce = createAuthNonce();
    const proof = computeAgentProof(secret, nonce, agentId);
    expect(verifyAgentAuth(secret, nonce, 'agent-msk-2', proof)).toBe(false);
    expect(verifyAgentAuth(secret, nonce, agentId, proof, 2)).toBe(false);
  });

  it('keeps agent id and version apart (no "ab"+"1" = "a"+"b1" collision)', () => {
    const nonce = createAuthNonce();
    expect(computeAgentProof(secret, nonce, 'agent1', 1)).not.toBe(
      computeAgentProof(secret, nonce, 'agent', 11),
    );
  });

  it('answers false, never throws, on malformed input', () => {
    const nonce = createAuthNonce();
    const proof = computeAgentProof(secret, nonce, agentId);
    expect(verifyAgentAuth(secret, nonce, agentId, proof.toUpperCase())).toBe(false);
    expect(verifyAgentAuth(secret, nonce, agentId, proof.slice(2))).toBe(false);
    expect(verifyAgentAuth(secret, 'not-a-nonce', agentId, proof)).toBe(false);
    expect(verifyAgentAuth('', nonce, agentId, proof)).toBe(false);
    expect(verifyAgentAuth(secret, nonce, 'bad id', proof)).toBe(false);
  });

  it('never puts the secret in an error', () => {
    expect(() => computeAgentProof(secret, 'short', agentId)).toThrow(
      'nonce must be 64 lower-case hex chars',
    );
    try {
      computeAgentProof(secret, 'short', agentId);
    } catch (error) {
      expect(String(error)).not.toContain(secret);
    }
  });
});
