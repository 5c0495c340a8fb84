/**
 * What a stage client shows while it waits: a spinner with the elapsed time,
 * all there is to show when the server cannot report progress (stage 01).
 *
 * Teaches: the difference progress makes, as a person sees it. The display
 * draws on stderr, and only when it is a terminal, so piped output stays clean.
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
