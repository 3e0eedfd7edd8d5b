/**
 * The OpenAPI 3.1 document served at /api/openapi.json. Schemas are JSON Schema 2020-12 (what
 * OpenAPI 3.1 uses); the HTTP tests validate real responses against them.
 */
import { MATRIX_METRICS } from '../query/matrix.ts';
import { VERSION } from '../version.ts';

const str = { type: 'string' };
const strOrNull = { type: ['string', 'null'] };
const int = { type: 'integer', minimum: 0 };
const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const arr = (items: unknown): { type: 'array'; items: unknown } => ({ type: 'array', items });
const obj = (properties: Record<string, unknown>, required = Object.keys(properties)): Record<string, unknown> => ({ type: 'object', properties, required });

const schemas = {
  Error: obj({ error: obj({ status: { type: 'integer' }, code: str, message: str }) }),
  NodeRef: obj({ id: str, name: str }),
  Reference: obj({ name: str, description: strOrNull, url: strOrNull }),
  ReportLink: obj({ id: str, title: str, date: strOrNull, url: strOrNull, source: strOrNull, summary: strOrNull, via: str }),
  TechniqueCounts: obj({
    groups: int,
    software: int,
    campaigns: int,
    reports: int,
    controls: { type: 'object', additionalProperties: int },
    detections: int,
  }),
  TechniquePage: obj({
    id: str,
    name: str,
    url: strOrNull,
    domain: { enum: ['enterprise', 'mobile', 'ics'] },
    attackVersion: str,
    tactics: arr(ref('NodeRef')),
    description: str,
    platforms: arr(str),
    parent: { oneOf: [ref('NodeRef'), { type: 'null' }] },
    subtechniques: arr(ref('NodeRef')),
    mitigations: arr(obj({ id: str, name: str, description: str, usage: str })),
    detection: obj({
      dataComponents: arr(obj({ id: str, name: str, dataSource: strOrNull, description: str })),
      strategies: arr(
        obj({
          id: str,
          name: str,
          analytics: arr(obj({ id: str, name: str, platforms: arr(str), logSources: arr(obj({ dataComponent: { oneOf: [ref('NodeRef'), { type: 'null' }] }, name: str, channel: strOrNull })) })),
        }),
      ),
    }),
    procedures: arr(obj({ id: str, name: str, type: { enum: ['group', 'software', 'campaign'] }, description: str })),
    references: arr(ref('Reference')),
    revokedBy: { oneOf: [ref('NodeRef'), { type: 'null' }] },
    deprecated: { type: 'boolean' },
    reports: arr(ref('ReportLink')),
    controls: arr(obj({ framework: str, frameworkVersion: str, id: str, name: strOrNull, group: strOrNull, mappingType: strOrNull, attackVersion: str })),
    counts: ref('TechniqueCounts'),
    coverage: { oneOf: [ref('TechniqueCoverage'), { type: 'null' }] },
  }),
  CoverageLevel: { enum: ['none', 'visible', 'detectable', 'detected'] },
  LogSourceCoverage: obj({ name: str, channel: strOrNull, dataComponent: strOrNull, needs: str, present: { type: 'boolean' }, declared: { type: 'boolean' }, events: int, presentEventIds: arr(str), missingEventIds: arr(str) }),
  TechniqueCoverage: obj({
    id: str,
    name: str,
    level: ref('CoverageLevel'),
    evidenceLevel: ref('CoverageLevel'),
    declared: { type: 'boolean' },
    reasons: arr(str),
    analytics: arr(obj({ id: str, name: str, strategy: str, platforms: arr(str), runnable: { enum: ['all', 'some', 'none'] }, logSources: arr(ref('LogSourceCoverage')) })),
    dataComponents: arr(obj({ id: str, name: str, present: { type: 'boolean' }, declared: { type: 'boolean' }, logSources: arr(ref('LogSourceCoverage')) })),
    rules: arr(
      obj({
        id: str,
        title: str,
        level: strOrNull,
        logsource: obj({ product: strOrNull, category: strOrNull, service: strOrNull }),
        subtechnique: strOrNull,
        runnable: { type: 'boolean' },
        declared: { type: 'boolean' },
        needs: str,
        hits: int,
      }),
    ),
    hits: int,
    gaps: arr(obj({ reaches: ref('CoverageLevel'), what: str })),
    basis: ref('CoverageBasis'),
  }),
  CoverageBasis: obj({
    inventory: { oneOf: [obj({ id: int, label: strOrNull, createdAt: str, events: int, keys: int }), { type: 'null' }] },
    hunt: { oneOf: [obj({ id: int, label: strOrNull, finishedAt: str }), { type: 'null' }] },
    declared: { oneOf: [obj({ source: str, format: str }), { type: 'null' }] },
  }),
  GapList: obj({
    target: obj({ id: str, name: str, type: str }),
    domain: str,
    attackVersion: str,
    basis: ref('CoverageBasis'),
    summary: obj({ none: int, visible: int, detectable: int, detected: int }),
    techniques: arr(obj({ id: str, name: str, level: ref('CoverageLevel'), declared: { type: 'boolean' }, reasons: arr(str), closeWith: strOrNull, hits: int })),
  }),
  Inventory: obj({
    id: int,
    runId: { type: ['integer', 'null'] },
    label: strOrNull,
    createdAt: str,
    logs: arr(str),
    files: int,
    events: int,
    entries: arr(obj({ logsource: str, channel: strOrNull, provider: strOrNull, eventId: strOrNull, count: int, first: strOrNull, last: strOrNull, hosts: arr(str), hostsTruncated: { type: 'boolean' } })),
  }),
  ObjectPage: obj({
    id: str,
    name: str,
    type: str,
    url: strOrNull,
    domain: str,
    attackVersion: str,
    description: str,
    aliases: arr(str),
    platforms: arr(str),
    relations: arr(obj({ key: str, title: str, items: arr(obj({ id: str, name: str, type: str, description: str })) })),
    references: arr(ref('Reference')),
    reports: arr(ref('ReportLink')),
  }),
  ControlPage: obj({ framework: str, frameworkVersion: str, id: str, name: strOrNull, group: strOrNull, techniques: arr(obj({ id: str, name: strOrNull, attackVersion: str })), otherVersions: arr(str) }),
  ReportPage: obj({ id: str, title: str, date: strOrNull, url: strOrNull, source: strOrNull, summary: strOrNull, domain: str, attackVersion: str, supports: arr(obj({ id: str, name: str, type: str, via: str })) }),
  ImportedReportList: arr(
    obj({
      id: str,
      title: str,
      publisher: strOrNull,
      published: strOrNull,
      url: strOrNull,
      format: str,
      summary: str,
      importedAt: str,
      techniques: obj({ proposed: int, accepted: int, rejected: int }),
    }),
  ),
  ImportedReportPage: obj({
    kind: { const: 'imported-report' },
    id: { type: 'string', pattern: '^rpt-[0-9a-f]{12}$' },
    title: str,
    publisher: strOrNull,
    published: strOrNull,
    url: strOrNull,
    format: { enum: ['pdf', 'html', 'markdown', 'text'] },
    summary: str,
    importedAt: str,
    source: str,
    sha256: str,
    extractedAt: strOrNull,
    model: { oneOf: [obj({ sha256: str, domain: str, attackVersion: str }), { type: 'null' }] },
    techniques: arr(
      obj({
        id: str,
        name: str,
        score: { type: 'number', minimum: 0, maximum: 1 },
        method: { enum: ['explicit', 'model', 'reviewer'] },
        status: { enum: ['proposed', 'accepted', 'rejected'] },
        reviewedAt: strOrNull,
        evidence: arr(obj({ start: int, end: int, score: { type: 'number' }, text: str })),
      }),
    ),
    entities: arr(obj({ id: str, type: str, name: str, matched: str, mentions: int })),
    text: str,
  }),
  ReviewRequest: {
    type: 'object',
    additionalProperties: false,
    properties: {
      accept: { oneOf: [str, arr(str)], description: 'technique IDs to accept (proposed or not)' },
      reject: { oneOf: [str, arr(str)], description: 'technique IDs to reject' },
      reset: { oneOf: [str, arr(str)], description: 'technique IDs back to proposed' },
    },
  },
  StixBundle: obj({ type: { const: 'bundle' }, id: { type: 'string', pattern: '^bundle--' }, objects: arr({ type: 'object', required: ['type', 'id'] }) }),
  SearchResult: obj({
    query: str,
    hits: arr(obj({ id: str, name: str, type: str, domain: str, attackVersion: str, snippet: str, revoked: { type: 'boolean' }, deprecated: { type: 'boolean' } })),
  }),
  Suggestions: obj({
    query: str,
    hits: arr(obj({ type: str, id: str, name: str, detail: str, domains: arr(str), framework: { type: ['string', 'null'] } })),
  }),
  TechniqueList: obj({
    domain: str,
    attackVersion: str,
    items: arr(obj({ id: str, name: str, isSubtechnique: { type: 'boolean' }, tactics: arr(str), platforms: arr(str) })),
    page: { type: 'integer', minimum: 1 },
    limit: { type: 'integer', minimum: 1 },
    total: int,
    pages: { type: 'integer', minimum: 1 },
  }),
  ObjectList: obj({
    domain: str,
    attackVersion: str,
    items: arr(obj({ id: str, name: str, type: str, platforms: arr(str) })),
    page: { type: 'integer', minimum: 1 },
    limit: { type: 'integer', minimum: 1 },
    total: int,
    pages: { type: 'integer', minimum: 1 },
  }),
  Datasets: arr(obj({ id: { type: 'integer' }, domain: str, version: str, objectCount: int, relationshipCount: int, importedAt: str }, ['id', 'domain', 'version', 'objectCount', 'relationshipCount'])),
  Stats: obj({ domain: str, attackVersion: str, techniques: arr(obj({ id: str, name: str, isSubtechnique: { type: 'boolean' }, counts: ref('TechniqueCounts') })) }),
  Matrix: obj({
    domain: str,
    attackVersion: str,
    name: str,
    tactics: arr(obj({ id: str, name: str, shortname: str, techniques: arr(obj({ id: str, name: str, subtechniques: arr(ref('NodeRef')) })) })),
    metric: { oneOf: [{ enum: [...MATRIX_METRICS] }, { type: 'null' }] },
    counts: { oneOf: [{ type: 'object', additionalProperties: int }, { type: 'null' }] },
  }),
  Changes: obj({
    id: str,
    name: str,
    domain: str,
    from: obj({ attackVersion: str, present: { type: 'boolean' } }),
    to: obj({ attackVersion: str, present: { type: 'boolean' } }),
    fields: arr(obj({ field: str, before: str, after: str })),
    sections: arr(obj({ section: str, title: str, added: arr(ref('NodeRef')), removed: arr(ref('NodeRef')), changed: arr(ref('NodeRef')) })),
    unchanged: { type: 'boolean' },
  }),
  SigmaRule: obj({
    id: str,
    title: str,
    status: strOrNull,
    level: strOrNull,
    logsource: obj({ product: strOrNull, category: strOrNull, service: strOrNull }),
    techniques: arr(str),
    path: str,
    yaml: str,
  }),
  SyncRequest: {
    type: 'object',
    additionalProperties: false,
    properties: {
      only: { oneOf: [str, arr(str)], description: 'source kinds to sync (attack, mappings, sigma); default: all' },
      attackVersion: { type: 'string', pattern: '^v?\\d{1,3}(\\.\\d{1,3})?$', description: 'ATT&CK release; default: the newest of each domain' },
      domain: { oneOf: [str, arr(str)], description: 'enterprise, mobile, ics; default: all' },
      from: { type: 'string', description: 'an absolute path to a folder on the server laid out like the sync mirror (attack/, mappings/), under a folder the server allows (serve --allow-dir); default: the official sources' },
    },
  },
  ImportRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'sources'],
    properties: {
      kind: { enum: ['attack', 'mappings', 'stix', 'sigma', 'report'] },
      sources: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        items: str,
        description: 'absolute paths on the server under a folder it allows (serve --allow-dir), or http(s) URLs (not to loopback or private addresses unless serve --allow-private-urls; redirects followed on the same host only); sigma: paths only',
      },
      attackVersion: { type: 'string', description: 'kind attack: the version when the bundle does not say' },
      domain: { enum: ['enterprise', 'mobile', 'ics'], description: 'kind attack: the domain when the bundle does not say' },
      maxSize: { oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*[kKmMgG]?[iI]?[bB]?\\s*$' }], description: 'largest source accepted, in bytes or as "500M"; default 200M for attack, 50M for mappings and stix, 100M for report, 1M per Sigma rule file' },
      force: { type: 'boolean', description: 'kind attack: replace a dataset even with a bundle that has fewer than half its techniques (or none)' },
    },
  },
  Job: obj({
    id: str,
    kind: { enum: ['sync', 'import'] },
    state: { enum: ['running', 'succeeded', 'failed', 'cancelled'] },
    params: { type: 'object' },
    createdAt: str,
    finishedAt: strOrNull,
    progress: { oneOf: [obj({ phase: str, item: int, items: int, label: str, done: { type: 'number', minimum: 0 }, total: { type: 'number', minimum: 0 } }), { type: 'null' }] },
    results: arr(obj({ label: str, where: str, action: str, counts: strOrNull, warnings: arr(str) })),
    errors: arr(obj({ code: str, message: str, where: strOrNull })),
    warnings: arr(str),
    summary: strOrNull,
  }),
  JobEnvelope: obj({ job: ref('Job') }),
  NavigatorLayer: obj({
    name: str,
    versions: obj({ attack: str, navigator: str, layer: { const: '4.5' } }),
    domain: { enum: ['enterprise-attack', 'mobile-attack', 'ics-attack'] },
    description: str,
    techniques: arr(obj({ techniqueID: { type: 'string', pattern: '^T\\d{4}(\\.\\d{3})?$' }, score: { type: 'number' }, comment: str, enabled: { type: 'boolean' } })),
    gradient: obj({ colors: arr(str), minValue: { type: 'number' }, maxValue: { type: 'number' } }),
  }),
};

const p = (name: string, description: string, schema: unknown = str, required = false): Record<string, unknown> => ({ name, in: 'query', description, required, schema });
const pathId = { name: 'id', in: 'path', required: true, description: 'ATT&CK ID, STIX id or exact name', schema: str };
const scope = [p('domain', 'enterprise, mobile or ics', { enum: ['enterprise', 'mobile', 'ics'] }), p('version', 'ATT&CK version such as 18.1', { type: 'string', pattern: '^\\d{1,3}(\\.\\d{1,3})?$' })];
const exportStatus = p('status', 'which techniques: a comma-separated list of accepted, proposed, rejected, or all (default accepted,proposed)');
const paging = [p('page', '1-based page', { type: 'integer', minimum: 1 }), p('limit', 'items per page (1-500)', { type: 'integer', minimum: 1, maximum: 500 })];
const errors = {
  '400': { description: 'Malformed parameter', content: { 'application/json': { schema: ref('Error') } } },
  '404': { description: 'Unknown ID, version or domain', content: { 'application/json': { schema: ref('Error') } } },
};
const errorResponse = (description: string): Record<string, unknown> => ({ description, content: { 'application/json': { schema: ref('Error') } } });
const writeErrors = {
  '401': errorResponse('Missing or wrong "Authorization: Bearer TOKEN"'),
  '403': errorResponse('The server was started without a token: it is read-only'),
};
const post = (summary: string, description: string, request: string): Record<string, unknown> => ({
  post: {
    summary,
    description,
    security: [{ bearer: [] }],
    requestBody: { required: true, content: { 'application/json': { schema: ref(request) } } },
    responses: {
      '202': { description: 'The job started; follow it at the Location header (GET /api/v1/jobs/{id})', content: { 'application/json': { schema: ref('JobEnvelope') } } },
      '400': errorResponse('A malformed or unknown field'),
      ...writeErrors,
      '409': errorResponse('Another write job is running (Location: that job); one at a time'),
      '413': errorResponse('The body is larger than 64 kB'),
      '415': errorResponse('The body is not application/json'),
    },
  },
});
const get = (summary: string, schema: string, parameters: unknown[]): Record<string, unknown> => ({
  get: { summary, parameters, responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref(schema) } } }, ...errors } },
});

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'ttpgraph API',
      version: VERSION,
      description:
        'JSON API over the ttpgraph store: the same page models the CLI prints with --json. Reads need nothing; sync and import (and their jobs) need the token the server was started with (ttpgraph serve with $TTPGRAPH_TOKEN or --token-file FILE), as "Authorization: Bearer T". Requests whose Host header names another host get a 421 (see docs/SECURITY.md).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/api/v1/techniques': get('Techniques of a dataset, filtered and paged', 'TechniqueList', [
        ...scope,
        p('tactic', 'tactic shortname, ID or name'),
        p('platform', 'platform name'),
        p('subtechniques', 'true: only sub-techniques; false: none', { enum: ['true', 'false'] }),
        ...paging,
      ]),
      '/api/v1/techniques/{id}': get('A technique page (same as ttpgraph show ID --json)', 'TechniquePage', [pathId, ...scope]),
      '/api/v1/objects': get('Nodes of one kind (groups, software, mitigations...), filtered and paged', 'ObjectList', [
        p('type', 'node kind', { enum: ['technique', 'tactic', 'group', 'software', 'campaign', 'mitigation', 'asset', 'data-source', 'data-component', 'detection-strategy', 'analytic'] }, true),
        p('platform', 'platform name'),
        ...scope,
        ...paging,
      ]),
      '/api/v1/objects/{id}': get('The page of any ATT&CK node', 'ObjectPage', [pathId, ...scope, p('type', 'only this kind of node')]),
      '/api/v1/controls/{id}': get('A control and the techniques it maps to', 'ControlPage', [pathId, p('framework', 'framework (nist_800_53, aws...)'), p('frameworkVersion', 'framework version')]),
      '/api/v1/reports': get('Imported reports (ttpgraph import report), newest first, with their technique counts by review status', 'ImportedReportList', []),
      '/api/v1/reports/{id}': {
        get: {
          summary: 'A report: a citation or STIX report and what it supports (ReportPage), or an imported report (rpt-...) with its text, techniques, evidence and review status (ImportedReportPage)',
          parameters: [{ ...pathId, description: 'report ID: citation slug, STIX report id, or rpt-... for an imported report' }, ...scope],
          responses: { '200': { description: 'OK', content: { 'application/json': { schema: { oneOf: [ref('ReportPage'), ref('ImportedReportPage')] } } } }, ...errors },
        },
      },
      '/api/v1/reports/{id}/layer': get("An imported report's techniques as an ATT&CK Navigator 4.5 layer", 'NavigatorLayer', [pathId, exportStatus]),
      '/api/v1/reports/{id}/stix': get('An imported report as a STIX 2.1 bundle (report object_refs: its techniques and the names it mentions)', 'StixBundle', [pathId, exportStatus]),
      '/api/v1/reports/{id}/review': {
        post: {
          summary: "Accept, reject or reset an imported report's techniques (as ttpgraph report review ID --accept ... --reject ...)",
          security: [{ bearer: [] }],
          parameters: [{ ...pathId, description: 'imported report ID (rpt-...)' }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ReviewRequest') } } },
          responses: {
            '200': { description: 'The report after the review', content: { 'application/json': { schema: ref('ImportedReportPage') } } },
            '400': errorResponse('A malformed or unknown field, or an ID that is not a technique'),
            ...writeErrors,
            '404': errorResponse('No such report or technique'),
            '415': errorResponse('The body is not application/json'),
          },
        },
      },
      '/api/v1/search': get('Ranked search', 'SearchResult', [p('q', 'words or an ID', str, true), p('type', 'node kind'), p('limit', '1-200', { type: 'integer' }), ...scope]),
      '/api/v1/suggest': get('Suggestions over every kind of node (ATT&CK once per ID with its domains, Sigma rules, controls, reports, saved hunts)', 'Suggestions', [
        p('q', 'words or an ID', str, true),
        p('limit', '1-50', { type: 'integer' }),
      ]),
      '/api/v1/datasets': get('Datasets in the store', 'Datasets', []),
      '/api/v1/stats': get('Counts per technique', 'Stats', scope),
      '/api/v1/matrix': get('The matrix, optionally with a count per technique', 'Matrix', [...scope, p('metric', 'what to count', { enum: [...MATRIX_METRICS] }), p('framework', 'metric=controls: the framework version, as "nist_800_53 rev5" (default: the first, NIST SP 800-53 newest)')]),
      '/api/v1/changes/{id}': get('What changed for a technique between two versions', 'Changes', [pathId, p('domain', 'domain'), p('from', 'older version'), p('to', 'newer version')]),
      '/api/v1/sigma/{id}': get('A Sigma rule (after ttpgraph import sigma PATH)', 'SigmaRule', [{ ...pathId, description: 'rule id or title' }]),
      '/api/v1/navigator/layer': get('ATT&CK Navigator layer (format 4.5) of a matrix colouring', 'NavigatorLayer', [...scope, p('metric', 'what to count', { enum: [...MATRIX_METRICS] }), p('framework', 'metric=controls: the framework version')]),
      '/api/v1/coverage': {
        get: {
          summary: 'Your coverage (none, visible, detectable, detected) of the techniques a group, campaign or software uses or a report describes, worst first; without one, every technique of the dataset (as ttpgraph coverage)',
          parameters: [
            ...scope,
            p('group', 'group ID or name (G0059); a campaign (C...) or software (S...) ID is taken as such'),
            p('campaign', 'campaign ID or name'),
            p('software', 'software ID or name'),
            p('report', 'report ID (cited report slug, STIX report id, or rpt-... for its accepted techniques)'),
            p('format', 'json (default) or navigator (an ATT&CK Navigator 4.5 layer with the levels as scores)', { enum: ['json', 'navigator'] }),
          ],
          responses: { '200': { description: 'OK', content: { 'application/json': { schema: { oneOf: [ref('GapList'), ref('NavigatorLayer')] } } } }, ...errors },
        },
      },
      '/api/v1/inventory': get('The newest saved log inventory (hunt --save, logs inventory --save): events per log source, channel, provider and event id', 'Inventory', []),
      '/api/v1/sync': post(
        'Sync from the official sources or a folder on the server (as ttpgraph sync)',
        'Starts a job that fetches each file and imports what changed, each file its own transaction. One write job at a time.',
        'SyncRequest',
      ),
      '/api/v1/import': post('Import files or URLs (as ttpgraph import KIND SOURCES...)', 'Starts a job that imports each source in its own transaction; a failed source is reported and the others still land. One write job at a time.', 'ImportRequest'),
      '/api/v1/jobs/{id}': {
        get: {
          summary: 'A write job: state, progress, results per file, errors (the last 20 jobs, kept in memory)',
          security: [{ bearer: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, description: 'the job id from the 202 answer', schema: str }],
          responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref('JobEnvelope') } } }, ...writeErrors, '404': errorResponse('No such job') },
        },
        delete: {
          summary: 'Cancel a running job: the source being read is dropped and not stored, no further source is started; the job ends "cancelled"',
          security: [{ bearer: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, description: 'the job id from the 202 answer', schema: str }],
          responses: {
            '202': { description: 'Cancelling; follow the job at the Location header until its state is "cancelled"', content: { 'application/json': { schema: ref('JobEnvelope') } } },
            ...writeErrors,
            '404': errorResponse('No such job'),
            '409': errorResponse('The job has already finished'),
          },
        },
      },
    },
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the token given to ttpgraph serve ($TTPGRAPH_TOKEN, --token-file FILE or --token)' } } },
  };
}
