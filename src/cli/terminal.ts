/**
 * The one boundary between data and the terminal. Names, descriptions, rule titles, log fields,
 * host and file names come from files anyone can write; a host name holding `ESC ] 0 ; ... BEL`
 * would retitle the terminal, and other sequences move the cursor, hide text or (on some
 * terminals) answer back. So guardTerminalOutput(), called once by main.ts, wraps
 * process.stdout.write and process.stderr.write: every string written there has its C0 and C1
 * control characters (and DEL, and the Unicode bidi overrides that reorder what is shown) replaced
 * by a visible escape such as `\x1b`, except tab and newline. Commands print as they like and stay
 * safe, including commander's messages and error lines.
 *
 * Two kinds of output pass differently:
 * - our own styling (bold, dim) and the progress line: terminalSgr() returns a marker holding a
 *   per-process random nonce that the guard turns into the real escape sequence after sanitising;
 *   data cannot contain the nonce, so it cannot forge a sequence;
 * - machine formats (--json, jsonl, csv, sarif, evtx dump) go through writeMachine, which keeps the
 *   data exact: raw, or for JSON with C1 controls, DEL and U+2028/2029 written as \u escapes (the
 *   same JSON value; JSON.stringify already escapes C0).
 */
import { randomBytes } from 'node:crypto';

// C0 but tab and newline; DEL and C1; bidi embeddings, overrides and isolates; the line/paragraph separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Text with every control character shown as an escape (`\x1b`, `\x9b`, `\u{202e}`); tab and newline kept. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

const NONCE = randomBytes(8).toString('hex');
const MARK_OPEN = `\uE000${NONCE}`;
const MARK_CLOSE = '\uE001';
const MARK = new RegExp(`${MARK_OPEN}([0-9;]*[A-Za-z]|\\r)${MARK_CLOSE}`);

/**
 * A control sequence of ours (an SGR code such as '1' for bold, or '2K' / '\r' for the progress
 * line), as a marker the guard turns into the real sequence. Without the guard installed it is the
 * sequence itself.
 */
export function terminalControl(seq: '\r' | `${string}${'m' | 'K'}`): string {
  return installed ? `${MARK_OPEN}${seq}${MARK_CLOSE}` : seq === '\r' ? '\r' : `\u001b[${seq}`;
}

/** Sanitises data, then puts our own sequences back. */
export function toTerminal(text: string): string {
  if (!text.includes(MARK_OPEN)) return printable(text);
  const parts = text.split(MARK);
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    if (i % 2 === 0) out += printable(p);
    else out += p === '\r' ? '\r' : `\u001b[${p}`;
  }
  return out;
}

type Write = (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
let installed = false;
let rawStdout: Write | undefined;

export function guardTerminalOutput(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as Write;
    if (stream === process.stdout) rawStdout = original;
    const guarded: Write = (chunk, ...rest) => original(typeof chunk === 'string' ? toTerminal(chunk) : chunk, ...rest);
    stream.write = guarded;
  }
}

const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * Machine output on stdout, exact: `raw` as given (CSV, XML), `json` with the characters that
 * JSON.stringify leaves raw but terminals act on written as \u escapes (valid JSON, same value).
 */
export function writeMachine(text: string, kind: 'json' | 'raw'): boolean {
  const out = kind === 'json' ? text.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
  return (rawStdout ?? (process.stdout.write.bind(process.stdout) as Write))(out);
}
