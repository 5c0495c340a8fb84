/**
 * The handshake era of stage 03 (revisions 2025-03-26 to 2025-11-25): what the
 * endpoint does with a request that did not come in the 2026-07-28 form.
 *
 * Teaches: what sessions cost and buy. `initialize` opens a session and names
 * it in `Mcp-Session-Id`; every later request must carry it (400 without, 404
 * when unknown); a request that has something to say first is answered with a
 * resumable stream; GET resumes a stream or opens the standalone one; DELETE
 * ends the session and its work. In sessionless mode none of this is kept, and
 * every POST is served on its own.
 * Implements: Streamable HTTP, revisions 2025-03-26 to 2025-11-25: "Sending
 * Messages to the Server", "Listening for Messages from the Server", "Session
 * Management", "Resumability and Redelivery".
 * Read next: sessions.ts, event-store.ts, stream.ts and live-stream.ts, which this module uses.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 * @module
 */
import type { Request, Response } from 'express';
import { rejectRequest, sendJsonRpcError, sendLimitRefusal } from '../shared/http/errors.ts';
import { HandshakeState, handshakeStateBytes } from '../shared/protocol/handshake-state.ts';
import {
  ErrorCode,
  errorResponse,
  isRequest,
  type CheckedMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../shared/protocol/jsonrpc.ts';
import { requestMeta, type McpServer } from '../shared/protocol/mcp-server.ts';
import {
  DEFAULT_HTTP_VERSION,
  isPerRequestVersion,
  type HandshakeVersion,
} from '../shared/protocol/versions.ts';
import {
  acceptList,
  checkBatch,
  checkVersionHeader,
  type AcceptedPost,
} from '../shared/http/post-rules.ts';
import type { EventStore } from './event-store.ts';
import { isMintedSessionId, type Session, type SessionStore } from './sessions.ts';
import { abortWhenClosed, cancellationOf, reusedIdError } from '../shared/protocol/cancellation.ts';
import { LiveStream } from './live-stream.ts';
import { openSseResponse } from '../shared/http/sse.ts';
import type { StreamOptions } from './stream.ts';
import { limitRefusal, type Limits, type RefusingLimit } from '../shared/limits.ts';
import { clientAddress, type HeldCounts } from '../shared/held-counts.ts';

/** What the handshake era needs from the server. */
export interface HandshakeEraContext {
  /** The MCP core that answers every message. */
  mcp: McpServer;
  /** `undefined` in sessionless mode: no sessions at all. */
  sessions: SessionStore | undefined;
  /** Where streams' events are kept for a resume (unused without sessions). */
  eventStore: EventStore;
  /** Aborted on close: work still running stops instead of holding the process open. */
  shutdown: AbortSignal;
  /** How streams behave (the event store and priming are decided per request). */
  streams: Pick<
    StreamOptions,
    'retryMs' | 'pollAfterMs' | 'keepAliveMs' | 'retentionMs' | 'maxBufferedBytes'
  >;
  /** What a client may make the server hold (shared/limits.ts). */
  limits: Limits;
  /** The server's open SSE connections, counted against `limits`. */
  streamCounts: StreamCounts;
}

// ── POST /mcp ─────────────────────────────────────────────────────────────────

/**
 * POST in the handshake era: `initialize` opens a session; anything else needs
 * one (unless sessionless). Notifications and responses get 202; a request gets
 * JSON, or a stream when it has something to say before its result.
 */
export async function handleHandshakePost(
  req: Request,
  res: Response,
  post: Extract<AcceptedPost, { era: 'handshake' }>,
  context: HandshakeEraContext,
): Promise<void> {
  if (!post.batch && isRequest(post.message) && post.message.method === 'initialize') {
    await handleInitialize(req, res, post.message, context);
    return;
  }
  // A request's id is echoed in the rejections below; a batch or notification has none to echo.
  const id = !post.batch && isRequest(post.message) ? post.message.id : undefined;
  const handshake = await resolveHandshake(req, res, post.version, id, context);
  if (!handshake) return; // rejected: 400 or 404 already sent
  const { state, session } = handshake;

  if (post.batch) {
    // Without a version header the POST rules assumed 2025-03-26; the session may know better.
    const refused = checkBatch(state.protocolVersion);
    if (refused) {
      sendJsonRpcError(res, refused.status, refused.error, { revision: state.protocolVersion });
      return;
    }
    await answerBatch(res, post.entries, state, session, context);
    return;
  }

  const { message } = post;
  const cancelled = cancellationOf(message);
  if (session && context.sessions && cancelled) {
    // The request it names may run on another instance: the session store finds it.
    await context.sessions.cancel(
      session,
      cancelled.requestId,
      cancelled.reason ?? 'cancelled by the client',
    );
    res.status(202).end();
    return;
  }
  if (!isRequest(message)) {
    await context.mcp.handle(message, {
      send: () => {},
      signal: context.shutdown,
      era: 'handshake',
      handshake: state,
    });
    // [spec] "If the server accepts the input, the server MUST return HTTP status code 202 Accepted with no body."
    res.status(202).end();
    return;
  }
  if (session && state.inFlight.has(message.id)) {
    // Refused before it runs, with a status, so no stream is opened for it. McpServer.handle refuses
    // it too (stage 02 relies on that), should a twin arrive while this one opens its stream.
    sendJsonRpcError(res, 400, reusedIdError(message.id), { revision: state.protocolVersion });
    return;
  }
  if (answersWithStream(message, context.mcp))
    await answerWithStream(req, res, message, state, session, context);
  else await answerWithJson(req, res, message, state, session, context);
}

/**
 * `initialize` opens a session (unless sessionless) and names it in
 * `Mcp-Session-Id`, if the session's state is small enough to keep and the
 * client (and the server) may hold one more session.
 */
async function handleInitialize(
  req: Request,
  res: Response,
  request: JsonRpcRequest,
  context: HandshakeEraContext,
): Promise<void> {
  const state = new HandshakeState();
  const response = await context.mcp.handle(request, {
    send: () => {},
    signal: context.shutdown,
    era: 'handshake',
    handshake: state,
  });
  // [spec] "A server using the Streamable HTTP transport MAY assign a session ID at initialization
  // time, by including it in an Mcp-Session-Id header on the HTTP response containing the InitializeResult."
  if (context.sessions && response && 'result' in response) {
    // What the session would keep for its whole life is measured before any store is asked.
    if (handshakeStateBytes(state) > context.limits.maxSessionStateBytes) {
      refuseForLimit(res, 'maxSessionStateBytes', request.id, context);
      return;
    }
    const opened = await context.sessions.open(state, clientAddress(req), context.limits);
    if (!opened.ok) {
      refuseForLimit(res, opened.limit, request.id, context);
      return;
    }
    res.setHeader('Mcp-Session-Id', opened.session.id);
  }
  res.status(200).json(response);
}

/** Refuses a request for a limit it met (sendLimitRefusal in shared/http/errors.ts). */
function refuseForLimit(
  res: Response,
  limit: RefusingLimit,
  id: RequestId | undefined,
  context: HandshakeEraContext,
  revision?: HandshakeVersion,
): void {
  sendLimitRefusal(res, limitRefusal(limit, context.limits), id, revision);
}

/**
 * Finds the state a request runs under: its session's, or (sessionless mode)
 * a fresh one from the version header. Sends the rejection when there is none.
 * An unsupported header never gets here: the POST rules answered it.
 * @param header the version `MCP-Protocol-Version` names, if any.
 * @param id the request's id, echoed in a rejection; `undefined` when there is none.
 */
async function resolveHandshake(
  req: Request,
  res: Response,
  header: HandshakeVersion | undefined,
  id: RequestId | undefined,
  context: HandshakeEraContext,
): Promise<{ state: HandshakeState; session: Session | undefined } | undefined> {
  let session: Session | undefined;
  if (context.sessions) {
    session = await findSession(req, res, context.sessions, id);
    if (!session) return undefined;
  }
  if (session && !agreesWithSession(res, header, session, id)) return undefined;
  // [spec 2025-06-18+] No header and no session to ask: assume 2025-03-26.
  return {
    state: session?.handshake ?? new HandshakeState(header ?? DEFAULT_HTTP_VERSION),
    session,
  };
}

/**
 * True when the version header, if any, names the version the session agreed
 * on in `initialize`; otherwise answers 400 (the course's rule: the spec's
 * MUST covers only invalid or unsupported values) and returns false.
 */
function agreesWithSession(
  res: Response,
  header: string | undefined,
  session: Session,
  id?: RequestId,
): boolean {
  const negotiated = session.handshake.protocolVersion;
  if (header === undefined || header === negotiated) return true;
  rejectRequest(
    res,
    400,
    `Bad Request: MCP-Protocol-Version is ${header}, the session negotiated ${negotiated}`,
    { id, revision: negotiated },
  );
  return false;
}

/**
 * 400 without `Mcp-Session-Id`, 404 for a session that does not exist (any more).
 * @param requestId the request's id, echoed in the rejection (a POST's request only).
 */
async function findSession(
  req: Request,
  res: Response,
  sessions: SessionStore,
  requestId?: RequestId,
): Promise<Session | undefined> {
  const id = req.get('mcp-session-id');
  if (!id) {
    // [spec] "Servers that require a session ID SHOULD respond to requests without an Mcp-Session-Id
    // header (other than initialization) with HTTP 400 Bad Request."
    rejectRequest(res, 400, 'Bad Request: Mcp-Session-Id header is required', {
      id: requestId,
    });
    return undefined;
  }
  // Checked against the form the server mints before any store sees it: no lookup, no key built.
  const session = isMintedSessionId(id) ? await sessions.get(id) : undefined;
  if (!session) {
    // [spec] "The server MUST respond to requests containing that session ID with HTTP 404 Not Found."
    rejectRequest(res, 404, 'Not Found: session not found or ended; initialize again', {
      id: requestId,
    });
    return undefined;
  }
  return session;
}

/**
 * The server's choice of answer. A stream when there is something to say
 * before the result (the caller asked for progress), or when the tool is slow
 * enough that its answer should survive a dropped connection; JSON otherwise.
 */
function answersWithStream(request: JsonRpcRequest, mcp: McpServer): boolean {
  const token = requestMeta(request)?.progressToken;
  if (typeof token === 'string' || typeof token === 'number') return true;
  const name = request.method === 'tools/call' ? request.params?.name : undefined;
  return typeof name === 'string' && mcp.findTool(name)?.longRunning === true;
}

/**
 * The immediate answer: one JSON body. It has no event id, so once its client
 * hangs up nothing can deliver it, with a session or without: the work stops
 * (see {@link requestSignal}).
 */
async function answerWithJson(
  req: Request,
  res: Response,
  request: JsonRpcRequest,
  state: HandshakeState,
  session: Session | undefined,
  context: HandshakeEraContext,
): Promise<void> {
  const response =
    (await context.mcp.handle(request, {
      send: () => {},
      signal: requestSignal(res, false, context),
      era: 'handshake',
      handshake: state,
    })) ?? shuttingDown(request, context);
  if (response) {
    res.status(200).json(response);
    return;
  }
  if (res.writableEnded || res.destroyed) return;
  // Cancelled, or its session ended: [spec] "the receiver SHOULD NOT send a response". Yet the POST
  // carried a request, so [spec] it MUST be answered with text/event-stream or application/json:
  // an event stream that ends with no event is both.
  openSseResponse(res, context.streams.keepAliveMs, context.streams.maxBufferedBytes);
  res.end();
}

/**
 * The streamed answer: progress first, then the response. With a session,
 * each is an SSE event with an id on a stream the client can resume after a
 * drop; in sessionless mode there is nothing to resume in, so the stream is
 * only its connection (live-stream.ts).
 */
async function answerWithStream(
  req: Request,
  res: Response,
  request: JsonRpcRequest,
  state: HandshakeState,
  session: Session | undefined,
  context: HandshakeEraContext,
): Promise<void> {
  // Refused before the tool runs: a stream over the limit would hold a connection nobody allowed.
  const limit = takeStreamSlot(req, res, session, context);
  if (limit) {
    refuseForLimit(res, limit, request.id, context, state.protocolVersion);
    return;
  }
  const resumable = await session?.openStream(res, streamOptions(state, context), request.id);
  const stream =
    resumable ?? new LiveStream(res, context.streams.keepAliveMs, context.streams.maxBufferedBytes);
  const response =
    (await context.mcp.handle(request, {
      send: (notification) => void stream.send(notification),
      signal: requestSignal(res, resumable !== undefined, context),
      era: 'handshake',
      handshake: state,
    })) ?? shuttingDown(request, context);
  if (!response) {
    await stream.close(); // cancelled: end the stream without an answer
    return;
  }
  await stream.finish(response);
  if (resumable) session?.retainFinished(resumable, context.limits);
}

/** A server's open SSE connections, per session and per client address. */
export interface StreamCounts {
  /** Connections per session id. */
  perSession: HeldCounts;
  /** Connections per client address, over all its sessions. */
  perClient: HeldCounts;
}

/**
 * Counts `res` as an open SSE connection of its session and its client until
 * it closes, unless that would exceed `maxStreamsPerSession` or
 * `maxStreamsPerClient`: then nothing is counted and the limit met is returned.
 * Every connection counts, a POST's answer and a GET alike, since each holds a
 * socket and a file descriptor for as long as the client keeps it open.
 */
function takeStreamSlot(
  req: Request,
  res: Response,
  session: Session | undefined,
  context: HandshakeEraContext,
): 'maxStreamsPerSession' | 'maxStreamsPerClient' | undefined {
  const counts = context.streamCounts;
  const { maxStreamsPerSession, maxStreamsPerClient } = context.limits;
  const client = clientAddress(req);
  if (session && counts.perSession.count(session.id) >= maxStreamsPerSession)
    return 'maxStreamsPerSession';
  if (counts.perClient.count(client) >= maxStreamsPerClient) return 'maxStreamsPerClient';
  const releases = [counts.perClient.take(client)];
  if (session) releases.push(counts.perSession.take(session.id));
  res.on('close', () => releases.forEach((release) => release()));
  return undefined;
}

/**
 * The answer for a request the server's shutdown stopped: an error the client
 * can act on ("send it again", to an instance that is still running), stored
 * like any event so a resume on another instance delivers it. A request the
 * client cancelled, or whose session ended, gets no answer, as the spec asks.
 */
function shuttingDown(
  request: JsonRpcRequest,
  context: HandshakeEraContext,
): JsonRpcResponse | undefined {
  if (!context.shutdown.aborted) return undefined;
  return errorResponse(
    request.id,
    ErrorCode.InternalError,
    'Server shutting down before answering; send the request again',
  );
}

/**
 * The signal a request (or a batch) runs under. [spec 2025-03-26 to 2025-11-25]
 * "Disconnection SHOULD NOT be interpreted as the client cancelling its request."
 * For an answer that can be resumed (a stream of a session, whose events have
 * ids) we follow it: only the session's end or the server's shutdown stops the
 * work. For one that cannot (a JSON answer or a batch, which carry no event id,
 * and any answer in sessionless mode) we deliberately do not: the rule exists
 * so the answer can still arrive by a resume, and nothing can ever deliver it
 * once its connection is gone; running on would only cost the server work
 * nobody can receive (a client that sends long batches and hangs up could keep
 * thousands of tool runs going). So there the connection's close stops the work.
 * @param resumable whether the answer can be resumed after its connection drops.
 */
function requestSignal(
  res: Response,
  resumable: boolean,
  context: HandshakeEraContext,
): AbortSignal {
  return resumable ? context.shutdown : abortWhenClosed(res, context.shutdown);
}

/** How a resumable stream of a session behaves, for the version the session negotiated. */
function streamOptions(state: HandshakeState, context: HandshakeEraContext): StreamOptions {
  // Priming events and polling arrived together in 2025-11-25; older clients may choke on an event
  // with empty data, and [spec 2025-03-26, 2025-06-18] "The server SHOULD NOT close the SSE stream
  // before sending the JSON-RPC response", so their connections are never cut on purpose.
  const polls = state.protocolVersion === '2025-11-25';
  return {
    ...context.streams,
    eventStore: context.eventStore,
    priming: polls,
    pollAfterMs: polls ? context.streams.pollAfterMs : undefined,
  };
}

/**
 * A 2025-03-26 batch: answered as one JSON array; progress is not streamed for
 * batches. Like any JSON answer it cannot be resumed, so its entries stop when
 * its connection closes ({@link requestSignal}).
 */
async function answerBatch(
  res: Response,
  entries: CheckedMessage[],
  state: HandshakeState,
  session: Session | undefined,
  context: HandshakeEraContext,
): Promise<void> {
  const signal = requestSignal(res, false, context);
  const answers = await Promise.all(
    entries.map(async (entry): Promise<JsonRpcResponse | undefined> => {
      // The POST rules already refused initialize inside a batch, entry by entry.
      if (!entry.ok) return entry.error;
      return context.mcp.handle(entry.message, {
        send: () => {},
        signal,
        era: 'handshake',
        handshake: state,
      });
    }),
  );
  const responses = answers.filter((answer): answer is JsonRpcResponse => answer !== undefined);
  if (responses.length === 0) res.status(202).end();
  else res.status(200).json(responses);
}

// ── GET /mcp ──────────────────────────────────────────────────────────────────

/**
 * GET: with `Last-Event-ID`, resume the stream that event belongs to (replay,
 * then live); without, open the session's standalone stream.
 */
export async function handleGet(
  req: Request,
  res: Response,
  context: HandshakeEraContext,
): Promise<void> {
  // [spec] The server MUST either return text/event-stream or 405: 405 when no session is named,
  // since there is then no stream to offer (revision 2026-07-28 has no GET at all).
  const session = await requireNamedSession(req, res, context);
  if (!session) return;
  if (!acceptList(req).includes('text/event-stream')) {
    rejectRequest(res, 406, 'Not Acceptable: Accept must list text/event-stream', {
      revision: session.handshake.protocolVersion,
    });
    return;
  }

  const lastEventId = req.get('last-event-id');
  if (lastEventId !== undefined) {
    const streamId = await context.eventStore.streamIdOf(lastEventId);
    const stream = streamId === undefined ? undefined : await session.findStream(streamId);
    // [spec] The server MUST NOT replay messages that would have been delivered on a different stream;
    // an id from another session, or one whose events are gone, resumes nothing.
    if (!stream) {
      rejectRequest(
        res,
        400,
        'Bad Request: Last-Event-ID names no stream of this session that can be resumed',
        { revision: session.handshake.protocolVersion },
      );
      return;
    }
    if (refusedStream(req, res, session, context)) return;
    await stream.resume(res, lastEventId);
    return;
  }
  if (refusedStream(req, res, session, context)) return;
  await session.openStandalone(res, streamOptions(session.handshake, context));
}

/** For a GET: counts its stream, or refuses it (429) when that would exceed a stream limit. */
function refusedStream(
  req: Request,
  res: Response,
  session: Session,
  context: HandshakeEraContext,
): boolean {
  const limit = takeStreamSlot(req, res, session, context);
  if (limit) refuseForLimit(res, limit, undefined, context, session.handshake.protocolVersion);
  return limit !== undefined;
}

/**
 * The session a GET or DELETE names, checked as a POST's is: its version
 * header (400), the session (400 without one, 404 when unknown), and the
 * header against the session's version. 405 where there is nothing to ask
 * for: a server that keeps no sessions (sessionless mode, revision
 * 2026-07-28), or a GET that names no session, which has no stream to open.
 */
async function requireNamedSession(
  req: Request,
  res: Response,
  context: HandshakeEraContext,
): Promise<Session | undefined> {
  const version = checkVersionHeader(req);
  if (!version.ok) {
    // [spec 2025-06-18+] The version rule holds for every request, not only for a POST.
    sendJsonRpcError(res, version.status, version.error);
    return undefined;
  }
  // 405 where there is nothing to ask for: no sessions at all, a 2026-07-28 request (that revision
  // has neither GET nor DELETE), or a GET naming no session (no stream to open). A handshake-era
  // DELETE without Mcp-Session-Id gets findSession's 400: the server requires one.
  const named = req.get('mcp-session-id') !== undefined;
  if (
    !context.sessions ||
    isPerRequestVersion(version.header) ||
    (req.method === 'GET' && !named)
  ) {
    rejectRequest(res, 405, `Method not allowed: ${req.method} needs a handshake-era session`, {
      headers: { Allow: 'POST' },
    });
    return undefined;
  }
  const session = await findSession(req, res, context.sessions);
  if (!session || !agreesWithSession(res, version.header, session)) return undefined;
  return session;
}

// ── DELETE /mcp ───────────────────────────────────────────────────────────────

/** DELETE: the client is done; end the session and abort its work. */
export async function handleDelete(
  req: Request,
  res: Response,
  context: HandshakeEraContext,
): Promise<void> {
  const session = await requireNamedSession(req, res, context);
  if (!session) return;
  await context.sessions?.delete(session.id, 'client sent DELETE');
  res.status(204).end();
}
