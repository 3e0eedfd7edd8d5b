/**
 * The ttpgraph library API. Named exports only: this list is the public surface.
 */
export { TtpgraphError } from './errors.ts';
export type { ErrorCode, SourceLocation } from './errors.ts';
export { VERSION } from './version.ts';
