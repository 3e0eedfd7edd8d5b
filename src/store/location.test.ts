import { describe, expect, it } from 'vitest';
import { defaultStorePath, resolveStorePath } from './location.ts';

describe('store location', () => {
  it('prefers --db, then $TTPGRAPH_DB, then XDG_DATA_HOME, then ~/.local/share', () => {
    const env = { HOME: '/home/ana', TTPGRAPH_DB: '/srv/graph.db', XDG_DATA_HOME: '/data' };
    expect(resolveStorePath('/x/y.db', env)).toBe('/x/y.db');
    expect(resolveStorePath(undefined, env)).toBe('/srv/graph.db');
    expect(defaultStorePath({ HOME: '/home/ana', XDG_DATA_HOME: '/data' }, 'linux')).toBe('/data/ttpgraph/ttpgraph.db');
    expect(defaultStorePath({ HOME: '/home/ana', XDG_DATA_HOME: 'relative' }, 'linux')).toBe('/home/ana/.local/share/ttpgraph/ttpgraph.db');
    expect(defaultStorePath({ HOME: '/home/ana' }, 'darwin')).toBe('/home/ana/Library/Application Support/ttpgraph/ttpgraph.db');
  });
});
