/**
 * What the stage clients show while they wait: a spinner with the elapsed
 * time when nothing can be known (stage 01), a progress bar when the server
 * reports progress (stages 02 and 03).
 *
 * Teaches: the difference progress makes, as a person sees it. Both displays
 * draw on stderr, and only when it is a terminal, so piped output stays clean.
 * Read next: ../../01-plain-http/client.ts, the first client to use it.
 * @module
 */

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A live line on stderr. */
export interface StatusLine {
  /** Redraws the line with new text. */
  update(text: string): void;
  /** Clears the line and stops redrawing. */
  stop(): void;
}

/**
 * A spinner with the seconds elapsed: all a client can show when it only waits.
 *
 * @example
 * ```ts
 * const spinner = startSpinner('waiting for search_issues');
 * const result = await call;
 * spinner.stop();
 * ```
 */
export function startSpinner(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): StatusLine {
  const started = Date.now();
  let text = label;
  let frame = 0;
  const draw = (): void => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${text} (${seconds} s)`);
  };
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  draw();
  const timer = setInterval(draw, 100);
  return {
    update(next) {
      text = next;
      draw();
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
}

/**
 * Renders a progress bar such as `[██████░░░░░░░░░░░░░░]  3/10 page 3 of 10`.
 *
 * @example
 * ```ts
 * const line = startSpinner('search_issues');
 * client.callTool('search_issues', args, {
 *   onprogress: ({ progress, total, message }) => line.update(progressBar(progress, total, message)),
 * });
 * ```
 */
export function progressBar(
  progress: number,
  total: number | undefined,
  message = '',
  width = 20,
): string {
  if (total === undefined || total <= 0) return `${progress} ${message}`.trimEnd();
  const filled = Math.max(0, Math.min(width, Math.round((progress / total) * width)));
  const count = `${progress}/${total}`.padStart(String(total).length * 2 + 1);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${count} ${message}`.trimEnd();
}

/** Prints how a `search_issues` call ended: its summary and time, or why there is none. */
export function printOutcome(run: {
  resultText: string | undefined;
  failure: string | undefined;
  elapsedMs: number;
}): void {
  if (run.resultText !== undefined) {
    console.log(run.resultText);
    console.log(`search_issues took ${(run.elapsedMs / 1000).toFixed(1)} s`);
  } else {
    console.log(`no result: ${run.failure}`);
  }
}
