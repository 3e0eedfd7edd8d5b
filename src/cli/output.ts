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
  /** Clears the bar (before other output, and at the end); the next update draws it again. */
  done(): void;
}

/**
 * The terminal's width for output that must not be cut to 120 (the hunt table), or undefined when
 * stdout is not a terminal (a pipe or file gets full values).
 */
export function fullTerminalWidth(): number | undefined {
  const fromEnv = Number(process.env['COLUMNS']);
  if (process.stdout.isTTY !== true) return undefined;
  if (Number.isInteger(fromEnv) && fromEnv > 20) return fromEnv;
  return process.stdout.columns ?? 100;
}

/**
 * A one-line progress bar on stderr; a no-op when stderr is not a terminal. It can never fail the
 * work it reports on: counts past the total or below zero are clamped, and a write that throws
 * (a closed terminal) turns the bar off.
 */
export function progressBar(label: string): Progress {
  let on = process.stderr.isTTY === true;
  let shown = false;
  const write = (text: string): void => {
    try {
      process.stderr.write(text);
    } catch {
      on = false;
    }
  };
  return {
    update(done, total) {
      if (!on || !(total > 0) || !Number.isFinite(done)) return;
      const width = 30;
      const ratio = Math.min(1, Math.max(0, done / total)); // a last update past the total must not throw in repeat()
      const filled = Math.round(ratio * width);
      const pct = Math.floor(ratio * 100);
      // The label is cut so the line never wraps (a wrapped line cannot be cleared with \r).
      const room = Math.max(10, (process.stderr.columns || 80) - width - 8);
      const shownLabel = label.length > room ? `${label.slice(0, room - 1)}…` : label;
      write(`${terminalControl('\r')}${terminalControl('2K')}${shownLabel} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%`);
      shown = true;
    },
    done() {
      if (shown) write(`${terminalControl('\r')}${terminalControl('2K')}`);
      shown = false;
    },
  };
}
