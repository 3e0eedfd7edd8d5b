/**
 * The tests' seeded PRNG: the same seed gives the same numbers on every run and machine, so generated
 * data and fuzz mutations are reproducible. It is the extraction model's own (src/extract/random.ts).
 */
export { mulberry32 } from '../../src/extract/random.ts';
