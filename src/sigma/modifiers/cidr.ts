/** IPv4/IPv6 network containment for the `cidr` modifier. */

/** Parses an IPv4 or IPv6 address to 8 16-bit groups (IPv4 as ::ffff:a.b.c.d is not conflated: v4 -> 2 groups flagged). */
interface Ip {
  readonly v6: boolean;
  readonly groups: readonly number[]; // 2 groups for v4, 8 for v6
}

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return [((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0), ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)];
}

export function parseIp(input: string): Ip | undefined {
  let s = input.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (!s.includes(':')) {
    const g = parseV4(s);
    return g === undefined ? undefined : { v6: false, groups: g };
  }
  const dbl = s.split('::');
  if (dbl.length > 2) return undefined;
  const side = (t: string): number[] | undefined => {
    if (t === '') return [];
    const out: number[] = [];
    const items = t.split(':');
    for (let k = 0; k < items.length; k++) {
      const it = items[k] ?? '';
      if (k === items.length - 1 && it.includes('.')) {
        const v4 = parseV4(it);
        if (v4 === undefined) return undefined;
        out.push(...v4);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const head = side(dbl[0] ?? '');
  const tail = dbl.length === 2 ? side(dbl[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  if (dbl.length === 1) return head.length === 8 ? { v6: true, groups: head } : undefined;
  const fill = 8 - head.length - tail.length;
  if (fill < 1) return undefined;
  return { v6: true, groups: [...head, ...new Array<number>(fill).fill(0), ...tail] };
}

/** Returns a containment test, or undefined when `cidr` is not a valid network. */
export function compileCidr(cidr: string): ((ip: string) => boolean) | undefined {
  const slash = cidr.indexOf('/');
  const addr = parseIp(slash < 0 ? cidr : cidr.slice(0, slash));
  if (addr === undefined) return undefined;
  const maxBits = addr.v6 ? 128 : 32;
  const bitsText = slash < 0 ? String(maxBits) : cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > maxBits) return undefined;
  const net = addr.groups;
  return (ipText: string) => {
    const ip = parseIp(ipText);
    if (ip === undefined || ip.v6 !== addr.v6) return false;
    let left = bits;
    for (let g = 0; g < net.length && left > 0; g++) {
      const take = Math.min(16, left);
      const mask = (0xffff << (16 - take)) & 0xffff;
      if (((ip.groups[g] ?? 0) & mask) !== ((net[g] ?? 0) & mask)) return false;
      left -= take;
    }
    return true;
  };
}
