/**
 * Test support: runs a `describe` block only where `redis-server` is
 * installed, and says how to install it where it is not. Under `CI=true` a
 * missing `redis-server` is a failure, not a skip: CI must prove the
 * scale-out chapter, not quietly leave it out.
 * Read next: ../../03-streamable-http/scale-out/scale-out.test.ts, which runs
 * only where Redis is.
 * @module
 */
import { describe, it } from 'vitest';
import { isRedisServerInstalled, REDIS_INSTALL_HINT } from '../deploy/redis-server.ts';

const installed = isRedisServerInstalled();

/** `describe`, when a private Redis can be started for it. */
export function describeWithRedis(name: string, body: () => void): void {
  if (installed) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has redis-server to run against (CI=true: a skip would be a failure)', () => {
        throw new Error(REDIS_INSTALL_HINT);
      });
    });
  } else {
    console.warn(`Skipping "${name}": ${REDIS_INSTALL_HINT}`);
    describe.skip(name, body);
  }
}
