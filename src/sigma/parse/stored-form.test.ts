/**
 * Index witnesses kept with the stored form: a decoded rule compiles with the witness stored
 * beside it (compiling skips computing it), a witness of another WITNESS_VERSION is not used,
 * texts written before witnesses were kept still load, and a worker's compile takes the witnesses
 * it is given.
 */
import { describe, expect, it } from 'vitest';
import { collectionWitnesses, compileCollection } from '../api.ts';
import { defaultPipeline } from '../pipeline/default-pipeline.ts';
import { WITNESS_VERSION } from '../compile/witness.ts';
import type { SigmaRule } from '../rule/model.ts';
import { parseSigma } from './rule.ts';
import { decodeDocument, decodeFile, encodeDocument, encodeFile } from './stored-form.ts';

const YAML = `title: stored witness
id: 00000000-0000-4000-8000-000000000001
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\\whoami.exe'
    CommandLine|contains: ['/priv', '/groups']
  condition: selection
`;
const EVENT = { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /priv' };

function parsedRule(): SigmaRule {
  const col = parseSigma(YAML, { file: 'r.yml' });
  expect(col.issues).toEqual([]);
  return col.rules[0]!;
}

/** The rule's compiled witness, from a stored text of it. */
function witnessOf(text: string): readonly (readonly string[])[] {
  const doc = decodeDocument(text, 'r.yml');
  expect(doc?.kind).toBe('rule');
  const c = compileCollection({ rules: [doc as SigmaRule], correlations: [], filters: [], issues: [] });
  expect(c.engine.match(EVENT).map((r) => r.rule.title)).toEqual(['stored witness']);
  return c.compiled[0]!.witness;
}

describe('witnesses in the stored form', () => {
  const computed = compileCollection(parseSigma(YAML)).compiled[0]!.witness;

  it('are written beside the detection, under their version, and decode to the computed witness', () => {
    const text = encodeDocument(parsedRule());
    const stored = (JSON.parse(text) as { doc: { facts: { witness: { v: number; sets: string[][] } } } }).doc.facts.witness;
    expect(stored).toEqual({ v: WITNESS_VERSION, sets: computed });
    expect(computed.length).toBeGreaterThan(0);
    expect(witnessOf(text)).toEqual(computed);
  });

  it('are taken as stored (compiling does not compute them again)', () => {
    const text = encodeDocument(parsedRule());
    // A stored witness that still holds for the event (a literal of it), but is not the computed one.
    const other = [['whoami']];
    const tampered = text.replace(JSON.stringify({ v: WITNESS_VERSION, sets: computed }), JSON.stringify({ v: WITNESS_VERSION, sets: other }));
    expect(tampered).not.toBe(text);
    expect(witnessOf(tampered)).toEqual(other);
  });

  it('of another version, or missing (texts written before), are computed again', () => {
    const text = encodeDocument(parsedRule());
    const old = text.replace(JSON.stringify({ v: WITNESS_VERSION, sets: computed }), JSON.stringify({ v: WITNESS_VERSION + 1, sets: [['zzzz']] }));
    expect(witnessOf(old)).toEqual(computed);
    const without = text.replace(`"witness":${JSON.stringify({ v: WITNESS_VERSION, sets: computed })},`, '');
    expect(without).not.toContain('"witness"');
    expect(witnessOf(without)).toEqual(computed);
  });

  it('given to compileCollection (a worker thread) are used for the rules in order', () => {
    const col = parseSigma(YAML);
    expect(collectionWitnesses(col)).toEqual([computed]);
    // A structured clone, as a worker receives the collection: no memo travels with it.
    const copy = structuredClone(col);
    const given = [[['whoami']]];
    expect(compileCollection(copy, { witnesses: given }).compiled[0]!.witness).toEqual(given[0]);
    expect(compileCollection(structuredClone(col)).compiled[0]!.witness).toEqual(computed);
  });
});

describe('the stored text', () => {
  it('is ASCII, non-ASCII characters escaped, and decodes to the same document', () => {
    const yaml = YAML.replace('title: stored witness', 'title: "stored witness \u2014 caf\u00e9 \u{1F600}"').replace("'/groups'", "'/gr\u00fcppen'");
    const col = parseSigma(yaml, { file: 'r.yml' });
    expect(col.issues).toEqual([]);
    const doc = col.rules[0]!;
    const text = encodeDocument(doc);
    expect(text).not.toMatch(/[\u007f-\uffff]/);
    expect(text).toContain('\\u2014');
    expect(decodeDocument(text, 'r.yml')).toEqual(doc);
  });
});

describe('version 3: detection and raw decoded when first read', () => {
  /** A rule whose detection getter counts its calls while it is still an accessor. */
  function decoded(): { doc: SigmaRule; detectionDecoded: () => boolean } {
    const doc = decodeDocument(encodeDocument(parsedRule()), 'r.yml') as SigmaRule;
    const isAccessor = (): boolean => Object.getOwnPropertyDescriptor(doc, 'detection')?.get !== undefined;
    expect(isAccessor()).toBe(true);
    return { doc, detectionDecoded: () => !isAccessor() };
  }

  it('compiling a decoded rule does not decode its detection; its first evaluation does, and it matches', () => {
    const { doc, detectionDecoded } = decoded();
    const c = compileCollection({ rules: [doc], correlations: [], filters: [], issues: [] });
    expect(detectionDecoded()).toBe(false);
    expect(c.compiled[0]!.witness).toEqual(compileCollection(parseSigma(YAML)).compiled[0]!.witness);
    expect(c.engine.match(EVENT).map((r) => r.rule.title)).toEqual(['stored witness']);
    expect(detectionDecoded()).toBe(true);
    expect(c.engine.match({ ...EVENT, CommandLine: 'whoami /all' })).toEqual([]);
  });

  it('decodes to the parsed document, raw included, and survives a structured clone (worker threads)', () => {
    const { doc } = decoded();
    const parsed = parsedRule();
    expect(structuredClone(doc)).toEqual(structuredClone(parsed));
    expect(doc).toEqual(parsed);
  });

  it('a placeholder in a decoded rule is still an error under placeholder_fallback: error', () => {
    const yaml = YAML.replace("Image|endswith: '\\whoami.exe'", "Image|expand: '%admins%'");
    const col = parseSigma(yaml, { file: 'r.yml' });
    expect(col.issues).toEqual([]);
    const strict = { ...defaultPipeline, placeholderFallback: 'error' as const };
    const fromYaml = compileCollection(col, { pipeline: strict });
    const doc = decodeDocument(encodeDocument(col.rules[0]!), 'r.yml') as SigmaRule;
    const fromStore = compileCollection({ rules: [doc], correlations: [], filters: [], issues: [] }, { pipeline: strict });
    expect(fromYaml.issues.map((i) => i.code)).toEqual(['unresolved-placeholder']);
    expect(fromStore.issues).toEqual(fromYaml.issues);
  });

  it('a damaged text (a separator lost) decodes to undefined, so the YAML is parsed again', () => {
    const text = encodeDocument(parsedRule());
    expect(decodeDocument(text.replace('\n,"det":', ',"det":'), 'r.yml')).toBeUndefined();
    expect(decodeDocument(text.slice(0, -1), 'r.yml')).toBeUndefined();
    expect(decodeFile({ ...encodeFile([parsedRule()], []), docs: [text.slice(0, -1)] }, 'r.yml')).toBeUndefined();
  });

  it('a version 2 text (stores written before) still decodes, whole', () => {
    const rule = parsedRule();
    const { file: _f, raw, detection, ...meta } = rule;
    const v2 = `{"v":2,"doc":${JSON.stringify({ ...meta, rawText: JSON.stringify(raw), detection: { identifiers: [...detection.identifiers.values()], conditions: detection.conditions, condition: detection.condition, witness: { v: WITNESS_VERSION, sets: [['whoami']] } } })}}`;
    const doc = decodeDocument(v2, 'r.yml') as SigmaRule;
    expect(doc).toEqual(rule);
    expect(witnessOf(v2)).toEqual([['whoami']]);
  });
});
