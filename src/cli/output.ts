/**
 * Terminal output for commands: width, colour, JSON, and a progress line on stderr that only
 * appears when stderr is a terminal (pipes and CI logs stay clean).
 */
import type { TextStyle } from '../render/terminal/text.ts';
import { terminalControl, writeMachine } from './terminal.ts';

export function terminalWidth(): number {
  const fromEnv = Number(process.env['COLUMNS']);
  if (Number.isInteger(fromEnv) && fromEnv > 20) return Math.min(fromEnv, 120);
  return Math.min(process.stdout.columns ?? 100, 120);
}

export function terminalStyle(): TextStyle {
  const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  // Through terminalControl: data inside is still sanitised, our own codes pass (see terminal.ts).
  const sgr = (code: string) => (text: string) => (color ? `${terminalControl(`${code}m`)}${text}${terminalControl('0m')}` : text);
  return { heading: sgr('1;4'), dim: sgr('2'), bold: sgr('1') };
}

export function printJson(value: unknown): void {
  writeMachine(`${JSON.stringify(value, null, 2)}\n`, 'json');
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
      const share = Math.min(1, Math.max(0, done / total)); // a last update past the total must not throw in repeat()
      const filled = Math.round(share * width);
      const pct = Math.floor(share * 100);
      process.stderr.write(`${terminalControl('\r')}${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%`);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write(`${terminalControl('\r')}${terminalControl('2K')}`);
      shown = false;
    },
  };
}
