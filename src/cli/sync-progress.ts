import type { SyncEvent } from '../sync/sync.ts';
import { type Progress, progressBar } from './output.ts';

type ProgressEvent = Extract<SyncEvent, { type: 'progress' }>;

/**
 * The progress bar of a sync (the `sync` command and the start-up sync of `serve`): one bar per
 * file and phase, labelled "[item/items] downloading|importing LABEL" after `prefix`, redrawn
 * once per percent rather than once per network chunk. `clear()` before printing a line.
 */
export function syncProgressBar(prefix: string): { show: (event: ProgressEvent) => void; clear: () => void } {
  let bar: Progress | undefined;
  let barKey = '';
  let shownPercent = -1;
  const clear = (): void => {
    bar?.done();
    bar = undefined;
    barKey = '';
    shownPercent = -1;
  };
  const show = (event: ProgressEvent): void => {
    const key = `${event.item}/${event.phase}`;
    if (key !== barKey) {
      clear();
      const verb = event.phase === 'download' ? 'downloading' : 'importing';
      bar = progressBar(`${prefix}[${event.item}/${event.items}] ${verb} ${event.label}`);
      barKey = key;
    }
    const percent = event.total > 0 ? Math.floor((event.done / event.total) * 100) : -1;
    if (percent !== shownPercent) bar?.update(event.done, event.total);
    shownPercent = percent;
  };
  return { show, clear };
}
