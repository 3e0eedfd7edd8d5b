/**
 * A real ClickHouse server for tests: Debian's `clickhouse-server` started as a plain process with
 * a temporary config and data directory, on loopback ports the OS picked, and stopped (and its
 * directory removed) by `stop()`. `shards: 2` also declares a cluster `ttpgraph_test` whose two
 * shards are two databases of this one server (shard 1 = database `shard1`, shard 2 = `shard2`,
 * reached through the server's own TCP port), so a Distributed table can be tested on one machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const CLICKHOUSE_BIN = ['/usr/bin/clickhouse', '/usr/sbin/clickhouse-server'].find((p) => existsSync(p));
/** Why the ClickHouse tests are skipped, or undefined when they run. */
export const SKIP_REASON = CLICKHOUSE_BIN === undefined ? 'ClickHouse is not installed (apt-get install clickhouse-server; .ci/run does it): the ClickHouse tests are skipped' : undefined;

export interface TestServer {
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly dir: string;
  /** Runs one statement, returns the body (throws with the server's message). */
  query(sql: string, body?: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function configXml(dir: string, http: number, tcp: number, interserver: number, password: string | undefined): string {
  const cluster = `<remote_servers><ttpgraph_test>
      <shard><replica><host>127.0.0.1</host><port>${tcp}</port><default_database>shard1</default_database><user>default</user><password>${password ?? ''}</password></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>${tcp}</port><default_database>shard2</default_database><user>default</user><password>${password ?? ''}</password></replica></shard>
    </ttpgraph_test></remote_servers>`;
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <interserver_http_port>${interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  ${cluster}
</yandex>
`.replace('{PW}', password ?? '');
}

function usersXml(password: string | undefined): string {
  return `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password>${password ?? ''}</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;
}

/** Starts a server and waits until it answers (the server's own readiness, polled: no fixed sleep). */
export async function startClickhouse(options: { password?: string } = {}): Promise<TestServer> {
  if (CLICKHOUSE_BIN === undefined) throw new Error(SKIP_REASON);
  const dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-ch-'));
  const [http, tcp, inter] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(path.join(dir, 'config.xml'), configXml(dir, http, tcp, inter, options.password));
  writeFileSync(path.join(dir, 'users.xml'), usersXml(options.password));
  const args = CLICKHOUSE_BIN.endsWith('/clickhouse') ? ['server', `--config-file=${dir}/config.xml`] : [`--config-file=${dir}/config.xml`];
  const child: ChildProcess = spawn(CLICKHOUSE_BIN, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 10_000) stderr += d.toString();
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${http}/`;
  const auth: Record<string, string> = options.password !== undefined ? { 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': options.password } : {};
  const query = async (sql: string, body?: string): Promise<string> => {
    const res = await fetch(`${url}?query=${encodeURIComponent(sql)}`, { method: 'POST', headers: auth, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    if (!res.ok) throw new Error(`ClickHouse: ${text.trim()}`);
    return text;
  };
  // Ready when it answers; give up after ~30 s of polling or when the process exits.
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`clickhouse-server exited at start: ${stderr.slice(0, 2000)}`);
    try {
      await query('SELECT 1');
      break;
    } catch {
      if (i > 600) {
        child.kill('SIGKILL');
        throw new Error('clickhouse-server did not answer within 30 s');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const stop = async (): Promise<void> => {
    if (!exited) {
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, httpPort: http, tcpPort: tcp, dir, query, stop };
}
