/**
 * How a fetched body is checked before it is cached or imported, one entry per file format: a
 * download cut short must fail here, naming the URL, not look like data. A new kind of file (a
 * SigmaHQ release archive, say) adds its check here.
 */
import { TtpgraphError } from '../errors.ts';
import { checkZip } from './zip.ts';

export const FORMAT_CHECKS = {
  json(bytes: Buffer, where: string): void {
    try {
      JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      // JSON.parse quotes the start of the text, newlines included; the message must stay one line.
      const why = (err as Error).message.replace(/\s+/g, ' ');
      throw new TtpgraphError('invalid-json', `not valid JSON (${why}); is the file truncated?`, { source: where }, { cause: err });
    }
  },
  /** A zip archive whose end record and central directory can be read (a cut-off download has neither). */
  zip(bytes: Buffer, where: string): void {
    checkZip(bytes, where);
  },
} satisfies Record<string, (bytes: Buffer, where: string) => void>;

export type FileFormat = keyof typeof FORMAT_CHECKS;
