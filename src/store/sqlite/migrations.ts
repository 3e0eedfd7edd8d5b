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
 *
 * Beside the datasets (version 2):
 *   mapping_set       one imported Mappings Explorer file (framework × version × ATT&CK version × domain)
 *   control           a control/capability of a framework version (AC-16 of NIST 800-53 rev5...)
 *   control_mapping   one mapping row: control → ATT&CK ID, type, status (non_mappable kept), comments
 *   stix_report       STIX 2.1 report objects imported with `import stix`
 *   stix_report_ref   their object_refs, with the ATT&CK ID when the bundle names one
 *
 * Sigma (version 3):
 *   sigma_rule        a Sigma rule, correlation or filter: metadata, where it came from, its file's text
 *   sigma_rule_technique  rule → ATT&CK ID from its attack.tNNNN[.NNN] tags ("covers")
 *
 * Search (version 6): sigma_fts and control_fts, FTS5 indexes kept by the Sigma and mappings imports.
 *
 * Hunts (version 5):
 *   hunt_run          one saved `hunt` run: what it read and how much it found
 *   hunt_technique_hit hits of a run aggregated per technique and rule (hosts, first and last seen)
 *
 * Sigma rule sources (version 7):
 *   sigma_source      one synced set of Sigma rules (`sync` of SigmaHQ): where it was read, the SHA-256
 *                     of what was read (archive, or the rule tree packed the same way), when
 *   sigma_rule.source the set a rule belongs to (NULL: imported with `import sigma`); a new sync of
 *                     the set replaces exactly the rules whose source it is
 *
 * Parsed Sigma rules (version 8):
 *   sigma_rule.parsed the document as the engine parsed it (JSON, sigma/parse/stored-form.ts), so
 *                     hunts over the store's rules skip YAML; NULL for rules stored before
 *
 * Imported reports (version 9): any report a person imports (PDF, HTML, Markdown, text):
 *   imported_report   the document: title, publisher, date, URL, text, summary, content hash
 *   report_technique  a technique the extractor proposed, with score and evidence; its review status
 *   report_entity     a group, software or campaign named in the report
 *   extract_model     the technique classifier, built from the store by `extract train`
 *
 * Coverage (version 10):
 *   log_inventory     what a set of logs held: saved with a hunt (`hunt --save`, run_id set) or alone
 *                     (`logs inventory --save`); the newest one is the coverage's evidence of logs
 *   log_inventory_entry per log source, channel, provider and event id: count, first/last time, hosts
 *   declared_coverage the declared coverage file (`coverage declare FILE`): its text, one row
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
  {
    version: 2,
    name: 'control mappings and STIX reports',
    sql: `
CREATE TABLE mapping_set (
  id INTEGER PRIMARY KEY,
  framework TEXT NOT NULL,
  framework_version TEXT NOT NULL,
  attack_version TEXT NOT NULL,
  domain TEXT NOT NULL,
  source TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  mapping_count INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  UNIQUE (framework, framework_version, attack_version, domain)
);

CREATE TABLE control (
  pk INTEGER PRIMARY KEY,
  framework TEXT NOT NULL,
  framework_version TEXT NOT NULL,
  control_id TEXT NOT NULL,
  name TEXT,
  group_id TEXT,
  group_name TEXT,
  UNIQUE (framework, framework_version, control_id)
);
CREATE INDEX control_by_id ON control (control_id COLLATE NOCASE);

CREATE TABLE control_mapping (
  pk INTEGER PRIMARY KEY,
  mapping_set_id INTEGER NOT NULL REFERENCES mapping_set(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  control_pk INTEGER REFERENCES control(pk),
  attack_id TEXT,
  attack_name TEXT,
  mapping_type TEXT,
  status TEXT NOT NULL,
  comments TEXT,
  refs TEXT NOT NULL,
  score_category TEXT,
  score_value TEXT
);
CREATE INDEX control_mapping_by_technique ON control_mapping (attack_id);
CREATE INDEX control_mapping_by_control ON control_mapping (control_pk);
CREATE INDEX control_mapping_by_set ON control_mapping (mapping_set_id);

CREATE TABLE stix_report (
  pk INTEGER PRIMARY KEY,
  stix_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT,
  published TEXT,
  url TEXT,
  author TEXT,
  source TEXT NOT NULL,
  modified TEXT
);

CREATE TABLE stix_report_ref (
  report_pk INTEGER NOT NULL REFERENCES stix_report(pk) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  attack_id TEXT
);
CREATE INDEX stix_report_ref_by_ref ON stix_report_ref (ref);
CREATE INDEX stix_report_ref_by_attack_id ON stix_report_ref (attack_id);
CREATE INDEX stix_report_ref_by_report ON stix_report_ref (report_pk);
`,
  },
  {
    version: 3,
    name: 'sigma rules',
    sql: `
CREATE TABLE sigma_rule (
  pk INTEGER PRIMARY KEY,
  rule_key TEXT NOT NULL UNIQUE,
  rule_id TEXT,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  status TEXT,
  level TEXT,
  description TEXT,
  author TEXT,
  date TEXT,
  modified TEXT,
  product TEXT,
  category TEXT,
  service TEXT,
  tags TEXT NOT NULL,
  refs TEXT NOT NULL,
  falsepositives TEXT NOT NULL,
  path TEXT NOT NULL,
  line INTEGER NOT NULL,
  file_text TEXT NOT NULL,
  imported_at TEXT NOT NULL
);
CREATE INDEX sigma_rule_by_id ON sigma_rule (rule_id);

CREATE TABLE sigma_rule_technique (
  rule_pk INTEGER NOT NULL REFERENCES sigma_rule(pk) ON DELETE CASCADE,
  attack_id TEXT NOT NULL
);
CREATE INDEX sigma_rule_technique_by_attack_id ON sigma_rule_technique (attack_id);
CREATE INDEX sigma_rule_technique_by_rule ON sigma_rule_technique (rule_pk);
`,
  },
  {
    version: 4,
    name: 'one view per ATT&CK object type',
    // For people who query the store with SQL: every object type as its own relation, with its
    // dataset's domain and version. The rows live in `object`, whose columns all types share.
    sql: `
CREATE VIEW technique AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'technique';
CREATE VIEW tactic AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'tactic';
CREATE VIEW attack_group AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'group';
CREATE VIEW software AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'software';
CREATE VIEW campaign AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'campaign';
CREATE VIEW mitigation AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'mitigation';
CREATE VIEW asset AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'asset';
CREATE VIEW data_source AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'data-source';
CREATE VIEW data_component AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'data-component';
CREATE VIEW detection_strategy AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'detection-strategy';
CREATE VIEW analytic AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'analytic';
CREATE VIEW matrix AS SELECT o.*, d.domain, d.version AS attack_version FROM object o JOIN dataset d ON d.id = o.dataset_id WHERE o.kind = 'matrix';
`,
  },
  {
    version: 5,
    name: 'hunt results',
    // What `hunt --save` keeps: per run, hits aggregated by technique and rule (not the events,
    // which stay in the user's logs), so the matrix can show coverage and gaps.
    sql: `
CREATE TABLE hunt_run (
  id INTEGER PRIMARY KEY,
  label TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  logs TEXT NOT NULL,
  rules INTEGER NOT NULL,
  files INTEGER NOT NULL,
  events INTEGER NOT NULL,
  hits INTEGER NOT NULL
);

CREATE TABLE hunt_technique_hit (
  run_id INTEGER NOT NULL REFERENCES hunt_run(id) ON DELETE CASCADE,
  attack_id TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  title TEXT NOT NULL,
  level TEXT,
  hits INTEGER NOT NULL,
  hosts TEXT NOT NULL,
  first_seen TEXT,
  last_seen TEXT
);
CREATE INDEX hunt_technique_hit_by_run ON hunt_technique_hit (run_id, attack_id);
`,
  },
  {
    version: 6,
    name: 'search over Sigma rules and controls',
    sql: `
CREATE VIRTUAL TABLE sigma_fts USING fts5 (
  title, description, tags,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO sigma_fts (rowid, title, description, tags) SELECT pk, title, coalesce(description, ''), tags FROM sigma_rule;

CREATE VIRTUAL TABLE control_fts USING fts5 (
  control_id, name, group_name, framework,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO control_fts (rowid, control_id, name, group_name, framework)
  SELECT pk, control_id, coalesce(name, ''), coalesce(group_name, ''), framework || ' ' || framework_version FROM control;
`,
  },
  {
    version: 7,
    name: 'Sigma rule sources',
    sql: `
CREATE TABLE sigma_source (
  name TEXT PRIMARY KEY,
  location TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  release TEXT,
  files INTEGER NOT NULL,
  rules INTEGER NOT NULL,
  imported_at TEXT NOT NULL
);
ALTER TABLE sigma_rule ADD COLUMN source TEXT REFERENCES sigma_source(name);
CREATE INDEX sigma_rule_by_source ON sigma_rule (source);
`,
  },
  {
    version: 8,
    name: 'Sigma rules kept parsed',
    // The rule's parsed form (sigma/parse/stored-form.ts), so that hunts over the store's rules need
    // no YAML parsing. NULL for rules imported before: they are parsed from file_text when loaded,
    // and the next import or sync of their files fills it in.
    sql: `
ALTER TABLE sigma_rule ADD COLUMN parsed TEXT;
`,
  },
  {
    version: 9,
    name: 'imported reports and technique extraction',
    // Keyed by ATT&CK IDs, like the mappings: a report reviewed against 15.1 still shows on the 18.1 page.
    sql: `
CREATE TABLE imported_report (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  sha256 TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  publisher TEXT,
  published TEXT,
  url TEXT,
  source TEXT NOT NULL,
  format TEXT NOT NULL,
  text TEXT NOT NULL,
  summary TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  extracted_at TEXT,
  model_sha256 TEXT
);

CREATE TABLE report_technique (
  report_pk INTEGER NOT NULL REFERENCES imported_report(pk) ON DELETE CASCADE,
  attack_id TEXT NOT NULL,
  name TEXT NOT NULL,
  score REAL NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('explicit', 'model', 'reviewer')),
  status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'rejected')),
  evidence TEXT NOT NULL,
  reviewed_at TEXT,
  PRIMARY KEY (report_pk, attack_id)
);
CREATE INDEX report_technique_by_attack_id ON report_technique (attack_id, status);

CREATE TABLE report_entity (
  report_pk INTEGER NOT NULL REFERENCES imported_report(pk) ON DELETE CASCADE,
  attack_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  matched TEXT NOT NULL,
  mentions INTEGER NOT NULL,
  PRIMARY KEY (report_pk, attack_id)
);
CREATE INDEX report_entity_by_attack_id ON report_entity (attack_id);

CREATE TABLE extract_model (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  domain TEXT NOT NULL,
  attack_version TEXT NOT NULL,
  annotations TEXT,
  sha256 TEXT NOT NULL,
  examples INTEGER NOT NULL,
  labels INTEGER NOT NULL,
  built_at TEXT NOT NULL,
  model BLOB NOT NULL
);
`,
  },
  {
    version: 10,
    name: 'log inventory and declared coverage',
    // Counts, not events: what the logs held per (log source, channel, provider, event id).
    sql: `
CREATE TABLE log_inventory (
  id INTEGER PRIMARY KEY,
  run_id INTEGER REFERENCES hunt_run(id) ON DELETE CASCADE,
  label TEXT,
  created_at TEXT NOT NULL,
  logs TEXT NOT NULL,
  files INTEGER NOT NULL,
  events INTEGER NOT NULL
);

CREATE TABLE log_inventory_entry (
  inventory_id INTEGER NOT NULL REFERENCES log_inventory(id) ON DELETE CASCADE,
  logsource TEXT NOT NULL,
  channel TEXT,
  provider TEXT,
  event_id TEXT,
  count INTEGER NOT NULL,
  first_seen TEXT,
  last_seen TEXT,
  hosts TEXT NOT NULL,
  hosts_truncated INTEGER NOT NULL
);
CREATE INDEX log_inventory_entry_by_inventory ON log_inventory_entry (inventory_id);

CREATE TABLE declared_coverage (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  source TEXT NOT NULL,
  text TEXT NOT NULL,
  declared_at TEXT NOT NULL
);
`,
  },
];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
