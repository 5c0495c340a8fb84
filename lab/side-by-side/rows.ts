/**
 * The rows of the comparison table: for each property, how a measurement
 * becomes a ✓ or ✗ with its figure, what the course expects for each column,
 * and what the article the course started from claimed.
 *
 * Teaches: that a claim is only as good as the measurement behind it. The
 * expectations below are what the course teaches; the side-by-side test fails
 * when a measurement disagrees, in either direction.
 * Read next: ../../docs/04-side-by-side.md, the chapter that reads the table.
 * @module
 */
import type { Column, ColumnId } from './columns.ts';
import {
  PAGES,
  measureCancellation,
  measureConnections,
  measureDroppedStream,
  measureIdleClients,
  measureProgress,
  measureScaleOut,
  type CancellationMeasurement,
  type ConnectionMeasurement,
  type DroppedStreamMeasurement,
  type IdleClientsMeasurement,
  type ProgressMeasurement,
  type ScaleOutMeasurement,
} from './scenarios.ts';

/** Everything measured for one column. */
export interface Measurements {
  /** How much progress arrived, and how early. */
  progress: ProgressMeasurement;
  /** TCP connections for 20 calls, with and without keep-alive. */
  connections: ConnectionMeasurement;
  /** What a cut after 3 progress notifications cost. */
  droppedStream: DroppedStreamMeasurement;
  /** Whether a cancel, or a client going away, stops the tool. */
  cancellation: CancellationMeasurement;
  /** Calls that succeeded through the round-robin balancer, sticky, and (sessions) on shared Redis. */
  scaleOut: ScaleOutMeasurement;
  /** What each idle client costs the server. */
  idleClients: IdleClientsMeasurement;
}

/** Runs every scenario against one column, in turn. */
export async function measureAll(
  column: Column,
  onStep: (step: string) => void = () => {},
): Promise<Measurements> {
  onStep('progress');
  const progress = await measureProgress(column);
  onStep('connection cost');
  const connections = await measureConnections(column);
  onStep('dropped stream');
  const droppedStream = await measureDroppedStream(column);
  onStep('cancellation');
  const cancellation = await measureCancellation(column);
  onStep('scale-out');
  const scaleOut = await measureScaleOut(column);
  onStep('idle clients');
  const idleClients = await measureIdleClients(column);
  return { progress, connections, droppedStream, cancellation, scaleOut, idleClients };
}

/** One cell: the verdict and the figure behind it. */
export interface Cell {
  /** ✓ or ✗. */
  ok: boolean;
  /** The measured figure behind the verdict, as the table prints it. */
  figure: string;
}

/** One row of the table. */
export interface Row {
  /** The row's heading: the property compared. */
  property: string;
  /** The behaviour when the verdict is ✓, and when it is ✗: the side-by-side test's names. */
  behaviour: {
    /** The test's name where the column has the property. */
    ok: string;
    /** The test's name where it does not. */
    broken: string;
  };
  /** What the seed article claimed for this property, if it claimed anything. */
  seed?: string;
  /** The column's verdict and figure, from its measurements. */
  cell(column: Column, measured: Measurements): Cell;
  /** The verdict the course expects, per column. */
  expected: Record<ColumnId, boolean>;
}

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

/** The table's rows, in the order the chapter walks through them. */
export const ROWS: readonly Row[] = [
  {
    property: 'Endpoints',
    behaviour: { ok: 'needs one endpoint', broken: 'needs two endpoints' },
    seed: 'HTTP+SSE keeps two endpoints, /sse and /message; Streamable HTTP one, /mcp',
    cell: (column) => ({
      ok: new Set(column.endpoints.map((endpoint) => endpoint.split(' ')[1])).size === 1,
      figure: column.endpoints.join(', '),
    }),
    expected: {
      '01': true,
      '02': false,
      '03-sessions': true,
      '03-sessionless': true,
      '03-2026': true,
    },
  },
  {
    property: 'Progress',
    behaviour: {
      ok: `delivers all ${PAGES} progress notifications before the result`,
      broken: 'delivers no progress before the result',
    },
    seed: 'plain HTTP shows nothing until the result; SSE pushes progress as it happens',
    cell: (_column, { progress }) => ({
      ok: progress.received === PAGES,
      figure:
        `${progress.received}/${PAGES}` +
        (progress.firstAtFraction === undefined
          ? ''
          : `, the first at ${percent(progress.firstAtFraction)} of the call`),
    }),
    expected: {
      '01': false,
      '02': true,
      '03-sessions': true,
      '03-sessionless': true,
      '03-2026': true,
    },
  },
  {
    property: 'Connection cost (20 calls)',
    behaviour: {
      ok: 'reuses its connections: their number does not grow with the calls (keep-alive)',
      broken: 'opens connections in proportion to the calls even with keep-alive',
    },
    seed: 'plain HTTP repeats the TCP and TLS setup for every call',
    cell: (_column, { connections }) => ({
      ok: connections.keepAlive <= 3,
      figure: `${connections.keepAlive} with keep-alive, ${connections.withoutKeepAlive} without`,
    }),
    expected: {
      '01': true,
      '02': true,
      '03-sessions': true,
      '03-sessionless': true,
      '03-2026': true,
    },
  },
  {
    property: 'Dropped stream (cut after 3 of 10)',
    behaviour: {
      ok: 'still delivers the result after the cut',
      broken: 'loses the result when the connection is cut',
    },
    seed: 'HTTP+SSE loses the response; Streamable HTTP resumes with Mcp-Session-Id',
    cell: (_column, { droppedStream }) => ({
      ok: droppedStream.delivered,
      figure:
        `${droppedStream.delivered ? 'result delivered' : 'result lost'}, ` +
        `${droppedStream.progressLost} progress lost, tool ran ${droppedStream.toolRuns}×`,
    }),
    expected: {
      '01': false,
      '02': false,
      '03-sessions': true,
      '03-sessionless': false,
      '03-2026': true,
    },
  },
  {
    property: 'Cancellation',
    behaviour: {
      ok: 'stops the tool on an explicit cancel',
      broken: 'keeps the tool running after an explicit cancel',
    },
    cell: (_column, { cancellation }) => ({
      ok: cancellation.cancelStops,
      figure:
        `cancel ${cancellation.cancelStops ? 'stops' : 'does not stop'} the tool; ` +
        `a client going away ${cancellation.goingAwayStops ? 'stops it' : 'does not (the call can be resumed)'}`,
    }),
    expected: {
      '01': true,
      '02': true,
      '03-sessions': true,
      '03-sessionless': true,
      '03-2026': true,
    },
  },
  {
    property: 'Scale-out (2 instances, round-robin)',
    behaviour: {
      ok: 'serves 20 of 20 calls through a plain round-robin balancer',
      broken: 'fails calls through a plain round-robin balancer',
    },
    seed: 'HTTP+SSE needs sticky sessions; stateless Streamable HTTP lets any instance answer',
    cell: (_column, { scaleOut }) => ({
      ok: scaleOut.roundRobin === 20,
      figure:
        `${scaleOut.roundRobin}/20 round-robin, ${scaleOut.sticky}/20 sticky` +
        (scaleOut.sharedRedis === undefined
          ? ''
          : `, ${scaleOut.sharedRedis}/20 with shared Redis`) +
        (scaleOut.resumeWithSharedRedis === undefined
          ? ''
          : `; a resume on the other instance ${scaleOut.resumeWithSharedRedis ? 'finds' : 'misses'} its events`),
    }),
    expected: {
      '01': true,
      '02': false,
      '03-sessions': false,
      '03-sessionless': true,
      '03-2026': true,
    },
  },
  {
    property: 'State per idle client',
    behaviour: {
      ok: 'holds no session for an idle client',
      broken: 'holds a session for every idle client',
    },
    seed: 'HTTP+SSE forces a stateful server; Streamable HTTP supports stateless servers',
    cell: (_column, { idleClients }) => ({
      ok: idleClients.sessionsPerClient === 0,
      figure:
        // Sockets to one decimal: the client's pooled POST sockets come and go with keep-alive timeouts.
        `${idleClients.sessionsPerClient} session, ${idleClients.socketsPerClient.toFixed(1)} socket and ` +
        `~${Math.round(idleClients.heapKiBPerClient)} KiB heap per idle client`,
    }),
    expected: {
      '01': true,
      '02': false,
      '03-sessions': false,
      '03-sessionless': true,
      '03-2026': true,
    },
  },
];
