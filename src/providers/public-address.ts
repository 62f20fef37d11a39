import { BlockList, isIP } from "node:net";

// Addresses an image download may connect to on a provider's say-so: public unicast only. Everything a host keeps
// for itself or its network is refused: loopback, private ranges (RFC 1918, IPv6 ULA), link-local (169.254/16, where
// cloud metadata endpoints live, and fe80::/10), carrier-grade NAT, "this network", multicast, reserved and
// documentation ranges. IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are checked as the IPv4 address they carry
// (BlockList does that), and so are NAT64's (64:ff9b::/96), whose translator would reach that IPv4 address.

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 96], // unspecified, loopback and the deprecated IPv4-compatible addresses
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, "ipv6");
}

const NAT64 = /^64:ff9b::([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** Whether `address` (an IP literal) is a public unicast address; anything that is not an IP address is not. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const embedded = nat64Embedded(address);
    if (embedded !== undefined) return isPublicAddress(embedded);
  }
  return !NON_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

function nat64Embedded(address: string): string | undefined {
  // The URL parser writes an IPv6 address in its one canonical form: compressed, lower case, groups in hex.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const match = NAT64.exec(canonical);
  if (match === null) return undefined;
  const high = parseInt(match[1]!, 16);
  const low = parseInt(match[2]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}
