/**
 * Terminal output for commands: width, colour, JSON, and a progress line on stderr that only
 * appears when stderr is a terminal (pipes and CI logs stay clean).
 */
import { textStyle, type TextStyle } from '../render/terminal/text.ts';

export function terminalWidth(): number {
  const fromEnv = Number(process.env['COLUMNS']);
  if (Number.isInteger(fromEnv) && fromEnv > 20) return Math.min(fromEnv, 120);
  return Math.min(process.stdout.columns ?? 100, 120);
}

export function terminalStyle(): TextStyle {
  const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  return textStyle(color);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export interface Progress {
  update(done: number, total: number): void;
  done(): void;
}

/** A one-line progress bar on stderr; a no-op when stderr is not a terminal. */
export function progressBar(label: string): Progress {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  return {
    update(done, total) {
      if (!tty || total <= 0) return;
      const width = 30;
      // Callers may report a little past the end (the last file's end-of-file call): clamp.
      const ratio = Math.min(1, Math.max(0, done / total));
      const filled = Math.round(ratio * width);
      const pct = Math.floor(ratio * 100);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%`);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\r\u001b[2K');
      shown = false;
    },
  };
}
