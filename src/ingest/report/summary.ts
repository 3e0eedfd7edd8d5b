/**
 * A short extractive summary: the two or three sentences near the top that best say who wrote
 * the report and what it covers ("This advisory, authored by ..., outlines ..."). Sentences are
 * taken as written, in reading order; nothing is generated.
 */
import { splitSentences } from '../../extract/text.ts';

const COVERS = /\b(?:this|our|the)\s+(?:report|advisory|blog|post|article|analysis|research|paper|alert|bulletin|publication)\b|\b(?:we|researchers?|analysts?)\s+(?:have\s+)?(?:observed|identified|discovered|found|uncovered|analy[sz]ed|track|tracked|describe|detail|assess)|\b(?:outlines?|describes?|details?|discusses|provides|highlights|summari[sz]es|warns?)\b/i;
const ACTORS = /\b(?:APT\s?\d+|group|actors?|campaign|malware|ransomware|backdoor|threat|espionage|attack(?:s|ers)?|operation|intrusions?|vulnerabilit(?:y|ies)|exploit(?:s|ed|ing)?)\b/i;

export function summarize(text: string, publisher: string | null, max = 3): string {
  const candidates = splitSentences(text.slice(0, 12_000))
    .map((s, position) => ({ s, position }))
    .filter(({ s }) => s.text.length >= 50 && s.text.length <= 400 && /[.!?]["')\]]?$/.test(s.text) && (s.text.match(/[A-Za-z]{3,}/g)?.length ?? 0) >= 8);
  const scored = candidates.map(({ s, position }) => {
    let score = 1 / (1 + position / 8);
    if (COVERS.test(s.text)) score += 1;
    if (ACTORS.test(s.text)) score += 0.5;
    if (publisher !== null && s.text.toLowerCase().includes(publisher.toLowerCase().slice(0, 20))) score += 0.7;
    if (/^(?:click|subscribe|share|read more|cookie|copyright|all rights)/i.test(s.text)) score -= 2;
    return { s, position, score };
  });
  const picked = scored
    .sort((a, b) => b.score - a.score || a.position - b.position)
    .slice(0, max)
    .sort((a, b) => a.position - b.position)
    .map((x) => x.s.text);
  if (picked.length > 0) return picked.join(' ');
  // Nothing sentence-like near the top (slides, tables): the opening words.
  const opening = text.replace(/\s+/g, ' ').trim();
  return opening.length > 300 ? `${opening.slice(0, 297)}...` : opening;
}
