/**
 * Ctrl-C during an import: the first SIGINT (or SIGTERM) aborts what is being read, so the
 * current source is not stored (its transaction has not begun) and no further source is started;
 * the command then exits 130 like any interrupted Unix tool. A source whose write transaction has
 * already begun finishes it first (JavaScript cannot stop in the middle of it; it lands whole).
 */
export interface Interrupt {
  readonly signal: AbortSignal;
  dispose(): void;
}

export function cancelOnInterrupt(): Interrupt {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (!controller.signal.aborted) {
      process.stderr.write('\nttpgraph: interrupted: stopping (nothing more is written; Ctrl-C again to quit at once)\n');
      controller.abort();
      process.exitCode = 130;
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
