/**
 * The per-event memo of a compiled collection (EvalCache), below both the compiler, which registers
 * fields and items in it, and the evaluator, whose events it serves.
 */
import { unwrap, type EventContext } from './event.ts';

export type Predicate = (ctx: EventContext) => boolean;
/** Reads one field (its mapped targets) from an event. */
export type Getter = (ctx: EventContext) => unknown;

/** A field value's string form (numbers and booleans as written by String()); undefined for objects, null, absent. */
export function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

/**
 * Per-event memo shared by the predicates of one compiled collection: each distinct field (after
 * the pipeline's mapping) is resolved, unwrapped and lower-cased once per event, and each distinct
 * detection item (field, flags, values) is tested once per event, however many rules hold it
 * (`Image|endswith: '\cmd.exe'` is in hundreds). Entries are stamped with the event they belong to,
 * so nothing is cleared between events. Pure functions of the event and its pipeline aliases, which
 * the engine sets once per event.
 */
export class EvalCache {
  private ctx: EventContext | undefined = undefined;
  private epoch = 0;
  private itemStamp = new Uint32Array(16);
  private itemRes = new Uint8Array(16);
  private fieldStamp = new Uint32Array(16);
  private readonly fieldVal: unknown[] = [];
  private readonly fieldStr: (string | undefined)[] = [];
  private readonly fieldLow: (string | undefined)[] = [];
  private readonly itemIds = new Map<string, number>();
  private readonly fieldIds = new Map<string, number>();
  private readonly fieldGetters: Getter[] = [];

  /** Registers a field (its mapped targets) and returns its slot. */
  fieldSlot(key: string, get: Getter): number {
    let id = this.fieldIds.get(key);
    if (id === undefined) {
      id = this.fieldIds.size;
      this.fieldIds.set(key, id);
      this.fieldGetters.push(get);
      this.fieldVal.push(undefined);
      this.fieldStr.push(undefined);
      this.fieldLow.push(undefined);
      if (id >= this.fieldStamp.length) {
        const next = new Uint32Array(this.fieldStamp.length * 2);
        next.set(this.fieldStamp);
        this.fieldStamp = next;
      }
    }
    return id;
  }

  /** Registers a detection item by its canonical key; the same key gets the same id. */
  itemSlot(key: string): number {
    let id = this.itemIds.get(key);
    if (id === undefined) {
      id = this.itemIds.size;
      this.itemIds.set(key, id);
      if (id >= this.itemStamp.length) {
        const stamp = new Uint32Array(this.itemStamp.length * 2);
        stamp.set(this.itemStamp);
        this.itemStamp = stamp;
        const res = new Uint8Array(this.itemRes.length * 2);
        res.set(this.itemRes);
        this.itemRes = res;
      }
    }
    return id;
  }

  get distinctItems(): number {
    return this.itemIds.size;
  }

  private begin(ctx: EventContext): void {
    this.ctx = ctx;
    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      this.itemStamp.fill(0);
      this.fieldStamp.fill(0);
      this.epoch = 1;
    }
  }

  /** The field's value for this event, unwrapped unless it is an array (undefined = absent). */
  value(ctx: EventContext, slot: number): unknown {
    if (this.ctx !== ctx) this.begin(ctx);
    if (this.fieldStamp[slot] === this.epoch) return this.fieldVal[slot];
    const raw = (this.fieldGetters[slot] as Getter)(ctx);
    const v = Array.isArray(raw) ? raw : unwrap(raw);
    this.fieldStamp[slot] = this.epoch;
    this.fieldVal[slot] = v;
    this.fieldStr[slot] = Array.isArray(v) ? undefined : scalarString(v);
    this.fieldLow[slot] = undefined;
    return v;
  }

  /** The scalar value as a string (numbers and booleans in string form), after value(). */
  str(slot: number): string | undefined {
    return this.fieldStr[slot];
  }

  /** Same, lower-cased (once per event), after value(). */
  low(slot: number): string | undefined {
    let l = this.fieldLow[slot];
    if (l === undefined) {
      const s = this.fieldStr[slot];
      if (s === undefined) return undefined;
      l = s.toLowerCase();
      this.fieldLow[slot] = l;
    }
    return l;
  }

  /** Wraps an item predicate so that it runs once per event. */
  memo(slot: number, p: Predicate): Predicate {
    return (ctx) => {
      if (this.ctx !== ctx) this.begin(ctx);
      if (this.itemStamp[slot] === this.epoch) return this.itemRes[slot] === 1;
      const r = p(ctx);
      this.itemStamp[slot] = this.epoch;
      this.itemRes[slot] = r ? 1 : 0;
      return r;
    };
  }
}

