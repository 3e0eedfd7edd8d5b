/**
 * A ClickHouse server over its HTTP interface (plain fetch): queries in the POST body, inserts as
 * JSONEachRow, results streamed line by line. Credentials come from the URL's user:password (the URL
 * itself from `$TTPGRAPH_CLICKHOUSE_URL`, a file, or an argument) and travel in an Authorization
 * header; `display` is the URL without them, the only form any message shows, and error texts are
 * scrubbed of the password in case a server or proxy echoes it.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A one-line error about the server (it never holds the password). */
export class ClickhouseError extends Error {
  override name = 'ClickhouseError';
}

/** Settings sent with every query: rule sets make large queries (thousands of conditions). */
const QUERY_SETTINGS: Record<string, string> = {
  max_query_size: String(256 * 1024 * 1024),
  max_ast_elements: '50000000',
  max_expanded_ast_elements: '50000000',
  max_ast_depth: '100000',
};

export interface ClickhouseTarget {
  /** Base URL without credentials or query: http(s)://host:port/ */
  readonly base: string;
  /** For messages: the base URL and database, never the password. */
  readonly display: string;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string | undefined;
}

/** Parses `http(s)://[user[:password]@]host[:port][/][?database=DB]`; throws a one-line error otherwise. */
export function parseClickhouseUrl(text: string): ClickhouseTarget {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    // The text may hold a password: say what is wrong without repeating it.
    throw new ClickhouseError('the ClickHouse URL is not a URL (expected http://[user:password@]host:8123[/?database=DB])');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ClickhouseError(`the ClickHouse URL must be http:// or https:// (got ${u.protocol})`);
  const user = u.username === '' ? undefined : safeDecode(u.username);
  const password = u.password === '' ? undefined : safeDecode(u.password);
  const database = u.searchParams.get('database') ?? (u.pathname.length > 1 ? safeDecode(u.pathname.slice(1).replace(/\/$/, '')) : undefined);
  if (database !== undefined && database !== '' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new ClickhouseError(`database "${database}": expected letters, digits, underscore`);
  const base = `${u.protocol}//${u.host}/`;
  const db = database === undefined || database === '' ? undefined : database;
  return { base, display: `${base}${db !== undefined ? `?database=${db}` : ''}${user !== undefined ? ` (user ${user})` : ''}`, user, password, database: db };
}

/** Percent-decoding that keeps a lone `%` (a password may hold one unencoded). */
function safeDecode(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
    try {
      return decodeURIComponent(m);
    } catch {
      return m;
    }
  });
}

export class ClickhouseClient {
  readonly target: ClickhouseTarget;
  /** A server session (its temporary tables live as long as it), when set. */
  private readonly session: string | undefined;
  constructor(target: ClickhouseTarget, session?: string) {
    this.target = target;
    this.session = session;
  }

  /** The same server in a session of its own: queries one at a time, temporary tables shared. */
  withSession(id: string): ClickhouseClient {
    return new ClickhouseClient(this.target, id);
  }

  private url(extra: Record<string, string>): string {
    const p = new URLSearchParams({ ...QUERY_SETTINGS, ...extra });
    if (this.target.database !== undefined) p.set('database', this.target.database);
    if (this.session !== undefined) p.set('session_id', this.session);
    return `${this.target.base}?${p.toString()}`;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
    if (this.target.user !== undefined || this.target.password !== undefined) {
      h['Authorization'] = `Basic ${Buffer.from(`${this.target.user ?? 'default'}:${this.target.password ?? ''}`).toString('base64')}`;
    }
    return h;
  }

  private scrub(text: string): string {
    const pw = this.target.password;
    let t = text;
    if (pw !== undefined && pw.length > 0) t = t.split(pw).join('***');
    return t;
  }

  private async send(url: string, body: string | Uint8Array<ArrayBuffer>, signal?: AbortSignal, idempotent = true): Promise<Response> {
    let res: Response;
    try {
      try {
        res = await fetch(url, { method: 'POST', headers: this.headers(), body, ...(signal !== undefined ? { signal } : {}) });
      } catch (e) {
        // A kept-alive connection the server closed while idle (its keep_alive_timeout is a few
        // seconds) fails at once: a query, which changes nothing, is sent again on a fresh one.
        const code = (e as { cause?: { code?: string } }).cause?.code;
        if (!idempotent || (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET')) throw e;
        res = await fetch(url, { method: 'POST', headers: this.headers(), body, ...(signal !== undefined ? { signal } : {}) });
      }
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ClickhouseError(`ClickHouse at ${this.target.display}: cannot connect (${this.scrub(cause?.code ?? cause?.message ?? (e as Error).message)})`);
    }
    if (!res.ok) {
      const text = this.scrub((await res.text()).trim());
      throw new ClickhouseError(`ClickHouse at ${this.target.display}: ${serverMessage(res.status, text)}`);
    }
    return res;
  }

  /**
   * An insert, on a connection of its own: a kept-alive connection the server closes while idle
   * (18.16's keep_alive_timeout is 3 s; a busy loader can be that long between batches) fails the
   * request it is reused for, and an insert, unlike a query, cannot be sent again safely.
   */
  /** POSTs `body` (a string, bytes, or byte pieces sent one after another: no joined copy). */
  private insert(url: string, body: string | Uint8Array<ArrayBuffer> | readonly Uint8Array<ArrayBuffer>[]): Promise<void> {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<void>((resolve, reject) => {
      const req = request(u, { method: 'POST', agent: false, headers: { ...this.headers(), 'Content-Length': String(typeof body === 'string' ? Buffer.byteLength(body) : bodyBytes(body)) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new ClickhouseError(`ClickHouse at ${this.target.display}: cannot connect (${this.scrub(e.message)})`)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new ClickhouseError(`ClickHouse at ${this.target.display}: ${serverMessage(status, this.scrub(Buffer.concat(chunks).toString('utf8').trim()))}`));
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) => reject(new ClickhouseError(`ClickHouse at ${this.target.display}: cannot connect (${this.scrub(e.code ?? e.message)})`)));
      if (Array.isArray(body)) {
        for (const b of body as readonly Uint8Array[]) req.write(b);
        req.end();
      } else req.end(body);
    });
  }

  /**
   * Runs a statement (DDL, or a query whose whole answer is small) and returns the answer's text;
   * `settings` are ClickHouse settings for this query alone.
   */
  async exec(sql: string, signal?: AbortSignal, settings: Readonly<Record<string, string>> = {}): Promise<string> {
    const res = await this.send(this.url(settings), sql, signal);
    return res.text();
  }

  /** Inserts rows given as JSONEachRow text. */
  async insertJsonRows(table: string, rows: string): Promise<void> {
    await this.insert(this.url({ query: `INSERT INTO ${table} FORMAT JSONEachRow`, input_format_skip_unknown_fields: '0', insert_distributed_sync: '1' }), rows);
  }

  /** Inserts rows given in RowBinary (columns in the table's order), as one buffer or pieces of one body. */
  async insertRowBinary(table: string, rows: Uint8Array<ArrayBuffer> | readonly Uint8Array<ArrayBuffer>[]): Promise<void> {
    await this.insert(this.url({ query: `INSERT INTO ${table} FORMAT RowBinary`, insert_distributed_sync: '1' }), rows);
  }

  /** Runs a query with FORMAT JSONEachRow and calls `onRow` per row as the answer streams in (`settings`: as exec's). */
  async select(sql: string, onRow: (row: Record<string, unknown>) => void, signal?: AbortSignal, settings: Readonly<Record<string, string>> = {}): Promise<void> {
    const res = await this.send(this.url(settings), `${sql} FORMAT JSONEachRow`, signal);
    if (res.body === null) return;
    const decoder = new TextDecoder();
    let rest = '';
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
      let nl = rest.indexOf('\n');
      while (nl >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        if (line.trim() !== '') onRow(parseRow(line, this.target.display));
        nl = rest.indexOf('\n');
      }
    }
    rest += decoder.decode();
    if (rest.trim() !== '') onRow(parseRow(rest, this.target.display));
  }
}

function bodyBytes(body: Uint8Array | readonly Uint8Array[]): number {
  if (!Array.isArray(body)) return (body as Uint8Array).byteLength;
  let n = 0;
  for (const b of body as readonly Uint8Array[]) n += b.byteLength;
  return n;
}

function parseRow(line: string, display: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    // An exception in the middle of a streamed answer comes as text after the rows.
    throw new ClickhouseError(`ClickHouse at ${display}: ${serverMessage(200, line.trim())}`);
  }
}

/** The first line of a ClickHouse error, without the stack trace and exception plumbing. */
export function serverMessage(status: number, text: string): string {
  const first = text.split('\n')[0] ?? '';
  const m = /Code:\s*(\d+)[^:]*?(?:e\.displayText\(\) = )?DB::Exception:\s*(.*?)(?:, e\.what\(\) = .*)?(?:\s*\(version [^)]*\))?$/.exec(first);
  const msg = m !== null ? `${m[2] ?? ''} (code ${m[1] ?? '?'})` : first;
  const short = msg.length > 300 ? `${msg.slice(0, 300)}...` : msg;
  return status === 200 ? short : `HTTP ${status}: ${short}`;
}

/**
 * The server: an explicit URL, else a file holding it, else `$TTPGRAPH_CLICKHOUSE_URL`. A URL on the
 * command line is visible to other users of the machine (ps); the file and the variable are not.
 */
export function clickhouseTarget(url: string | undefined, file: string | undefined, readFile: (p: string) => string): ClickhouseTarget {
  if (url !== undefined && url !== '') return parseClickhouseUrl(url);
  if (file !== undefined) {
    let text: string;
    try {
      text = readFile(file);
    } catch (e) {
      throw new ClickhouseError(`${file}: cannot read the ClickHouse URL file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
    if (line === undefined) throw new ClickhouseError(`${file}: no URL in the file`);
    return parseClickhouseUrl(line);
  }
  const env = process.env['TTPGRAPH_CLICKHOUSE_URL'];
  if (env !== undefined && env !== '') return parseClickhouseUrl(env);
  throw new ClickhouseError('no ClickHouse server: give its URL, --clickhouse-url-file FILE, or set $TTPGRAPH_CLICKHOUSE_URL');
}
