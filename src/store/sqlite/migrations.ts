/**
 * Schema migrations, applied in order inside one transaction when a store is opened for writing.
 * Never edit a migration that has shipped: add the next one. `PRAGMA user_version` records how far
 * a store has come.
 *
 * The graph, per dataset (one ATT&CK domain at one version, side by side with the others):
 *   object            every STIX object, with the columns queries need and the full JSON in `data`
 *   relationship      STIX relationships, with both ends resolved to object rows when present
 *   citation          each distinct external reference of the dataset (a cited source, or an identifier
 *                     such as CAPEC-123), stored once however many objects cite it
 *   reference_link    object or relationship → its citations, in their order
 *   alias             group/software/campaign aliases (searchable)
 *   technique_tactic  kill-chain phases (technique → tactic shortname)
 *   strategy_analytic detection strategy → its analytics, in order (ATT&CK ≥ 18)
 *   analytic_log_source analytic → data component + log source name/channel (ATT&CK ≥ 18)
 *   object_fts        FTS5 index over IDs, names, aliases and descriptions
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'attack graph',
    sql: `
CREATE TABLE dataset (
  id INTEGER PRIMARY KEY,
  domain TEXT NOT NULL,
  version TEXT NOT NULL,
  version_key INTEGER NOT NULL,
  name TEXT,
  spec_version TEXT NOT NULL,
  source TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  object_count INTEGER NOT NULL,
  relationship_count INTEGER NOT NULL,
  UNIQUE (domain, version)
);

CREATE TABLE object (
  pk INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
  stix_id TEXT NOT NULL,
  stix_type TEXT NOT NULL,
  kind TEXT NOT NULL,
  attack_id TEXT,
  name TEXT,
  description TEXT,
  url TEXT,
  shortname TEXT,
  platforms TEXT,
  is_subtechnique INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0,
  deprecated INTEGER NOT NULL DEFAULT 0,
  created TEXT,
  modified TEXT,
  data TEXT NOT NULL,
  UNIQUE (dataset_id, stix_id)
);
CREATE INDEX object_by_attack_id ON object (attack_id COLLATE NOCASE, dataset_id);
CREATE INDEX object_by_kind ON object (dataset_id, kind);
CREATE INDEX object_by_name ON object (name COLLATE NOCASE);
CREATE INDEX object_by_shortname ON object (dataset_id, shortname) WHERE shortname IS NOT NULL;

CREATE TABLE relationship (
  pk INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
  stix_id TEXT NOT NULL,
  type TEXT NOT NULL,
  source_ref TEXT NOT NULL,
  target_ref TEXT NOT NULL,
  source_pk INTEGER REFERENCES object(pk) ON DELETE CASCADE,
  target_pk INTEGER REFERENCES object(pk) ON DELETE CASCADE,
  description TEXT,
  revoked INTEGER NOT NULL DEFAULT 0,
  deprecated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX relationship_by_source ON relationship (source_pk, type);
CREATE INDEX relationship_by_target ON relationship (target_pk, type);

CREATE TABLE citation (
  pk INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
  source_name TEXT NOT NULL,
  description TEXT,
  url TEXT,
  external_id TEXT
);
CREATE INDEX citation_by_dataset ON citation (dataset_id, source_name);

CREATE TABLE reference_link (
  citation_pk INTEGER NOT NULL REFERENCES citation(pk) ON DELETE CASCADE,
  object_pk INTEGER REFERENCES object(pk) ON DELETE CASCADE,
  relationship_pk INTEGER REFERENCES relationship(pk) ON DELETE CASCADE,
  position INTEGER NOT NULL
);
CREATE INDEX reference_link_by_object ON reference_link (object_pk, position) WHERE object_pk IS NOT NULL;
CREATE INDEX reference_link_by_relationship ON reference_link (relationship_pk, position) WHERE relationship_pk IS NOT NULL;
CREATE INDEX reference_link_by_citation ON reference_link (citation_pk);

CREATE TABLE alias (
  object_pk INTEGER NOT NULL REFERENCES object(pk) ON DELETE CASCADE,
  alias TEXT NOT NULL
);
CREATE INDEX alias_by_object ON alias (object_pk);
CREATE INDEX alias_by_name ON alias (alias COLLATE NOCASE);

CREATE TABLE technique_tactic (
  technique_pk INTEGER NOT NULL REFERENCES object(pk) ON DELETE CASCADE,
  shortname TEXT NOT NULL,
  position INTEGER NOT NULL
);
CREATE INDEX technique_tactic_by_technique ON technique_tactic (technique_pk);
CREATE INDEX technique_tactic_by_shortname ON technique_tactic (shortname);

CREATE TABLE strategy_analytic (
  strategy_pk INTEGER NOT NULL REFERENCES object(pk) ON DELETE CASCADE,
  analytic_pk INTEGER NOT NULL REFERENCES object(pk) ON DELETE CASCADE,
  position INTEGER NOT NULL
);
CREATE INDEX strategy_analytic_by_strategy ON strategy_analytic (strategy_pk, position);
CREATE INDEX strategy_analytic_by_analytic ON strategy_analytic (analytic_pk);

CREATE TABLE analytic_log_source (
  analytic_pk INTEGER NOT NULL REFERENCES object(pk) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  data_component_pk INTEGER REFERENCES object(pk) ON DELETE CASCADE,
  name TEXT NOT NULL,
  channel TEXT
);
CREATE INDEX analytic_log_source_by_analytic ON analytic_log_source (analytic_pk, position);
CREATE INDEX analytic_log_source_by_component ON analytic_log_source (data_component_pk);

CREATE VIRTUAL TABLE object_fts USING fts5 (
  attack_id, name, aliases, description,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);
`,
  },
];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
