import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ID_PATTERN, PROTOCOL_VERSION } from './messages';

/**
 * Challenge-response authentication of an agent. The agent id (the seed's TOKEN) is public; the
 * secret (the seed's KEY) never crosses the wire: the agent proves it knows it by answering
 * HMAC-SHA256(secret, nonce ‖ 0x00 ‖ agentId ‖ 0x00 ‖ version) for a fresh server nonce.
 * The separators keep "ab"+"1" from colliding with "a"+"b1"; a proof is bound to one nonce, one
 * agent id and one protocol version, so a recorded proof is useless on another connection.
 */

const NONCE = /^[0-9a-f]{64}$/;
const PROOF = /^[0-9a-f]{64}$/;

/** A fresh challenge nonce: 32 random bytes, lower-case hex. Use once, for one connection. */
export function createAuthNonce(): string {
  return randomBytes(32).toString('hex');
}

function proofBytes(secret: string, nonce: string, agentId: string, version: number): Buffer {
  if (secret.length === 0) throw new Error('agent secret is empty');
  if (!NONCE.test(nonce)) throw new Error('nonce must be 64 lower-case hex chars');
  if (!ID_PATTERN.test(agentId)) throw new Error('agent id must be 1-128 of A-Z a-z 0-9 . _ : -');
  return createHmac('sha256', secret)
    .update(nonce, 'utf8')
    .update(Buffer.of(0))
    .update(agentId, 'utf8')
    .update(Buffer.of(0))
    .update(String(version), 'utf8')
    .digest();
}

/** The agent's answer to a challenge, lower-case hex. Errors never include the secret. */
export function computeAgentProof(
  secret: string,
  nonce: string,
  agentId: string,
  version: number = PROTOCOL_VERSION,
): string {
  return proofBytes(secret, nonce, agentId, version).toString('hex');
}

/**
 * Server side: whether `proof` answers `nonce` for `agentId` with `secret`, compared in constant
 * time. False (never a throw) for any malformed input, so a caller cannot leak which part was wrong.
 * The server looks the secret up by agent id; refusing a revoked agent is its own decision.
 */
export function verifyAgentAuth(
  secret: string,
  nonce: string,
  agentId: string,
  proof: string,
  version: number = PROTOCOL_VERSION,
): boolean {
  if (
    !PROOF.test(proof) ||
    secret.length === 0 ||
    !NONCE.test(nonce) ||
    !ID_PATTERN.test(agentId)
  ) {
    return false;
  }
  const expected = proofBytes(secret, nonce, agentId, version);
  return timingSafeEqual(expected, Buffer.from(proof, 'hex'));
}
