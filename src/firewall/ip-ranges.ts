/**
 * IP addresses as the SSRF guard and the argument guard read them: every spelling of IPv4 that
 * `inet_aton` takes, IPv6 with `::`, zone ids and a dotted IPv4 tail, and the special-purpose ranges
 * (RFC 6890) a request from the gateway must not reach unless allowed.
 */

/** Why an address is not a public unicast one. */
export type AddressClass =
  | "loopback"
  | "private"
  | "cgnat"
  | "link-local"
  | "unique-local"
  | "unspecified"
  | "multicast"
  | "reserved";

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export type Address = Uint8Array;

/** An IPv4 address in any form `inet_aton` takes (dotted, decimal, octal, hex, short), as a number. */
export function parseIpv4Number(host: string): number | undefined {
  const parts = host.split(".");
  if (parts.length > 4 || parts.some((p) => !/^(?:0x[0-9a-f]*|0[0-7]*|[1-9]\d*)$/i.test(p))) return undefined;
  const nums = parts.map((p) =>
    /^0x/i.test(p)
      ? Number.parseInt(p.slice(2) || "0", 16)
      : /^0\d/.test(p)
        ? Number.parseInt(p, 8)
        : Number(p),
  );
  const last = nums.pop() ?? 0;
  if (nums.some((n) => n > 255) || last >= 256 ** (4 - nums.length)) return undefined;
  let value = 0;
  nums.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  return value + last;
}

function v4Bytes(value: number): Address {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

/** An IPv6 address (brackets, `%zone` and a dotted IPv4 tail allowed) as 16 bytes. */
function parseIpv6(text: string): Address | undefined {
  let host = text.replace(/%.*$/, "");
  if (!host.includes(":")) return undefined;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1];
  if (tail !== undefined) {
    const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(tail) ? dotted(tail) : undefined;
    if (v4 === undefined) return undefined;
    host = `${host.slice(0, -tail.length)}${((v4 >>> 16) & 0xffff).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = host.split("::");
  if (halves.length > 2) return undefined;
  const words = (part: string | undefined): string[] => (part ? part.split(":") : []);
  const head = words(halves[0]);
  const rest = words(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  const out = new Uint8Array(16);
  for (const [i, word] of all.entries()) {
    if (!/^[0-9a-f]{1,4}$/i.test(word)) return undefined;
    const n = Number.parseInt(word, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  }
  return out;
}

/** Strict dotted-decimal IPv4 (as inside IPv6 and in DNS answers). */
function dotted(text: string): number | undefined {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n > 255)) return undefined;
  return (((parts[0] ?? 0) << 24) >>> 0) + ((parts[1] ?? 0) << 16) + ((parts[2] ?? 0) << 8) + (parts[3] ?? 0);
}

/** A host (an IP literal in any spelling, brackets allowed) as address bytes, or undefined for a name. */
export function parseAddress(host: string): Address | undefined {
  const h = host.trim().replace(/^\[|\]$/g, "");
  if (h.includes(":")) return parseIpv6(h);
  const v4 = parseIpv4Number(h);
  return v4 === undefined ? undefined : v4Bytes(v4);
}

/** The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), or undefined. */
function embeddedIpv4(a: Address): Address | undefined {
  const zero = (from: number, to: number): boolean => a.slice(from, to).every((b) => b === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible; :: and ::1 are themselves)
  if (zero(0, 10) && a[10] === 0xff && a[11] === 0xff) return a.slice(12);
  if (zero(0, 12) && !(zero(12, 15) && (a[15] ?? 0) <= 1)) return a.slice(12);
  // 64:ff9b::/96 (NAT64) and 64:ff9b:1::/48 (local NAT64)
  if (a[0] === 0x00 && a[1] === 0x64 && a[2] === 0xff && a[3] === 0x9b) return a.slice(12);
  // 2002:AABB:CCDD::/48 (6to4)
  if (a[0] === 0x20 && a[1] === 0x02) return a.slice(2, 6);
  return undefined;
}

function classifyV4(a: Address): AddressClass | undefined {
  const [x = 0, y = 0, z = 0] = a;
  if (x === 0) return "unspecified";
  if (x === 127) return "loopback";
  if (x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168)) return "private";
  if (x === 100 && y >= 64 && y <= 127) return "cgnat";
  if (x === 169 && y === 254) return "link-local";
  if (x >= 224 && x <= 239) return "multicast";
  if (x >= 240 || (x === 192 && y === 0 && z === 0) || (x === 198 && (y === 18 || y === 19)))
    return "reserved";
  return undefined;
}

/** Why an address must not be reached from the gateway, or undefined for a public unicast address. */
export function classifyAddress(a: Address): AddressClass | undefined {
  if (a.length === 4) return classifyV4(a);
  const embedded = embeddedIpv4(a);
  if (embedded) return classifyV4(embedded);
  if (a.every((b) => b === 0)) return "unspecified";
  if (a.slice(0, 15).every((b) => b === 0) && a[15] === 1) return "loopback";
  const first = a[0] ?? 0;
  const second = a[1] ?? 0;
  if (first === 0xfe && (second & 0xc0) === 0x80) return "link-local";
  if (first === 0xfe && (second & 0xc0) === 0xc0) return "private"; // fec0::/10, deprecated site-local
  if ((first & 0xfe) === 0xfc) return "unique-local";
  if (first === 0xff) return "multicast";
  return undefined;
}

/** The address as text (IPv4 dotted, IPv6 in hex words) for messages. */
export function formatAddress(a: Address): string {
  if (a.length === 4) return [...a].join(".");
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((a[i] ?? 0) << 8) | (a[i + 1] ?? 0)).toString(16));
  return words.join(":").replace(/(?:^|:)0(?::0)+(?::|$)/, "::");
}

/** A CIDR (`10.0.0.0/8`, `fd00::/8`) or a single address; undefined when it is neither. */
export function parseCidr(text: string): { base: Address; bits: number } | undefined {
  const [host = "", bitsText] = text.split("/");
  const base = parseAddress(host);
  if (!base) return undefined;
  const max = base.length * 8;
  const bits = bitsText === undefined ? max : /^\d+$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  if (!(bits >= 0 && bits <= max)) return undefined;
  return { base, bits };
}

/** True when an address lies in a CIDR (an IPv4-mapped IPv6 address counts as its IPv4 address). */
export function inCidr(address: Address, cidr: { base: Address; bits: number }): boolean {
  const a = address.length === 16 && cidr.base.length === 4 ? (embeddedIpv4(address) ?? address) : address;
  if (a.length !== cidr.base.length) return false;
  for (let bit = 0; bit < cidr.bits; bit += 8) {
    const take = Math.min(8, cidr.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((a[bit / 8] ?? 0) & mask) !== ((cidr.base[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}
