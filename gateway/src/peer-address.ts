/** A peer's IP address as lists and limits name it: an IPv4-mapped IPv6 address (`::ffff:10.0.0.9`) as plain IPv4. */
export function plainAddress(address: string | null | undefined): string | null {
  return address == null ? null : address.replace(/^::ffff:/, '');
}
