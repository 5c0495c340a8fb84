// The two checks of origin.ts against the headers real attacks produce, on a
// small express app: each check alone, to show what it stops and what it lets
// through, and both together, as the stages mount them. Every revision's
// "Security Warning" asks for the Origin check against DNS rebinding; from
// 2025-11-25 a present, invalid Origin gets 403.
import express from 'express';
import { request, type RequestListener } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveOnLoopback, type LoopbackServer } from './loopback-server.ts';
import { rejectForeignHost, rejectForeignOrigin } from './origin.ts';

type Middleware = ReturnType<typeof rejectForeignOrigin>;

/** An app that answers 200 to whatever its checks let through. */
function appWith(...checks: Middleware[]): RequestListener {
  const app = express();
  app.use(...checks);
  app.all('/mcp', (_req, res) => {
    res.status(200).end('ran');
  });
  return app;
}

/**
 * The status of one POST to 127.0.0.1 with exactly these headers. `fetch` always
 * writes the real `Host`; a browser that followed a rebound name does not, so
 * the request is made with `node:http`.
 */
function statusOf(server: LoopbackServer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path: '/mcp', method: 'POST', headers, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

let originOnly: LoopbackServer;
let hostOnly: LoopbackServer;
let both: LoopbackServer;
let allowing: LoopbackServer;

beforeAll(async () => {
  originOnly = await serveOnLoopback(appWith(rejectForeignOrigin()), 0);
  hostOnly = await serveOnLoopback(appWith(rejectForeignHost()), 0);
  both = await serveOnLoopback(appWith(rejectForeignHost(), rejectForeignOrigin()), 0);
  allowing = await serveOnLoopback(
    appWith(
      rejectForeignHost({ allowedHosts: ['mcp.internal'] }),
      rejectForeignOrigin({ allowedOrigins: ['http://localhost:5173'] }),
    ),
    0,
  );
});

afterAll(async () => {
  await Promise.all([originOnly, hostOnly, both, allowing].map((server) => server.close()));
});

/** The headers of a page at `http://attacker.example:<port>` after its name was rebound to 127.0.0.1. */
function rebound(server: LoopbackServer): Record<string, string> {
  return {
    Origin: `http://attacker.example:${server.port}`,
    Host: `attacker.example:${server.port}`,
  };
}

describe('DNS rebinding: the attacker name in both Origin and Host', () => {
  it('passes the Origin check alone, since the request is same-origin to the browser', async () => {
    expect(await statusOf(originOnly, rebound(originOnly))).toBe(200);
  });

  it('is refused with 403 by the Host check', async () => {
    expect(await statusOf(hostOnly, rebound(hostOnly))).toBe(403);
    expect(await statusOf(both, rebound(both))).toBe(403);
  });

  it("is refused by the Host check when the rebound page's GET carries no Origin at all", async () => {
    // A same-origin GET (an EventSource, say) is sent without Origin.
    expect(await statusOf(originOnly, { Host: `attacker.example:${originOnly.port}` })).toBe(200);
    expect(await statusOf(both, { Host: `attacker.example:${both.port}` })).toBe(403);
  });

  it.each(['localhost.attacker.example', '127.0.0.1.nip.io'])(
    'is refused for a rebound name that starts like a loopback name (Host: %s)',
    async (name) => {
      const headers = { Origin: `http://${name}:${both.port}`, Host: `${name}:${both.port}` };
      expect(await statusOf(both, headers)).toBe(403);
    },
  );
});

describe('a foreign page reaching the server by its real name (cross-origin, loopback Host)', () => {
  it('passes the Host check alone, since Host names 127.0.0.1', async () => {
    const headers = { Origin: 'http://evil.example', Host: `127.0.0.1:${hostOnly.port}` };
    expect(await statusOf(hostOnly, headers)).toBe(200);
  });

  it('is refused with 403 by the Origin check (2025-11-25 on: a present, invalid Origin)', async () => {
    const headers = { Origin: 'http://evil.example', Host: `127.0.0.1:${both.port}` };
    expect(await statusOf(originOnly, { ...headers, Host: `127.0.0.1:${originOnly.port}` })).toBe(
      403,
    );
    expect(await statusOf(both, headers)).toBe(403);
  });

  it('is refused from another loopback port, which is another origin', async () => {
    const headers = { Origin: 'http://127.0.0.1:1', Host: `127.0.0.1:${both.port}` };
    expect(await statusOf(both, headers)).toBe(403);
  });

  it('is refused from a sandboxed frame or a file: page (Origin: null)', async () => {
    expect(await statusOf(both, { Origin: 'null', Host: `127.0.0.1:${both.port}` })).toBe(403);
  });
});

describe('the clients the server is for', () => {
  it.each(['127.0.0.1', 'localhost', '[::1]'])(
    'lets a same-origin page at http://%s through both checks',
    async (name) => {
      const headers = { Origin: `http://${name}:${both.port}`, Host: `${name}:${both.port}` };
      expect(await statusOf(both, headers)).toBe(200);
    },
  );

  it('lets a request without Origin (a command-line client, an SDK) through', async () => {
    expect(await statusOf(both, { Host: `127.0.0.1:${both.port}` })).toBe(200);
  });

  it('reads host names case-insensitively (Host: LOCALHOST)', async () => {
    expect(await statusOf(both, { Host: `LOCALHOST:${both.port}` })).toBe(200);
  });

  it('refuses a trailing-dot name (Host: localhost.), which is not on the list', async () => {
    // No attack: only the victim's own machine answers to localhost. The cost is a 403 for a typist.
    expect(await statusOf(both, { Host: `localhost.:${both.port}` })).toBe(403);
  });
});

describe('allow-lists', () => {
  it('lets an allow-listed origin through from another port (a dev server at localhost:5173)', async () => {
    const headers = { Origin: 'http://localhost:5173', Host: `127.0.0.1:${allowing.port}` };
    expect(await statusOf(allowing, headers)).toBe(200);
    expect(await statusOf(both, { ...headers, Host: `127.0.0.1:${both.port}` })).toBe(403);
  });

  it('lets an allow-listed host through, with or without its port, and as its own origin', async () => {
    expect(await statusOf(allowing, { Host: 'mcp.internal' })).toBe(200);
    const headers = {
      Origin: `http://mcp.internal:${allowing.port}`,
      Host: `mcp.internal:${allowing.port}`,
    };
    expect(await statusOf(allowing, headers)).toBe(200);
  });

  it('still refuses a rebound name the lists do not hold', async () => {
    expect(await statusOf(allowing, rebound(allowing))).toBe(403);
  });
});
