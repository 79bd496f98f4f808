// Client event ids: UUIDv4, so a retried batch carries the same ids and cannot count twice.

/** A random UUIDv4; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
export function uuidV4(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  let text = '';
  crypto.getRandomValues(new Uint8Array(16)).forEach((byte, index) => {
    // Version 4 in the high nibble of byte 6, RFC 4122 variant in the high bits of byte 8.
    const value = index === 6 ? (byte & 0x0f) | 0x40 : index === 8 ? (byte & 0x3f) | 0x80 : byte;
    text +=
      (value + 0x100).toString(16).slice(1) +
      (index === 3 || index === 5 || index === 7 || index === 9 ? '-' : '');
  });
  return text;
}
