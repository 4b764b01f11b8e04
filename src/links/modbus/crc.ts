/** CRC-16/MODBUS (reflected polynomial 0xA001, initial 0xFFFF), sent low byte first; table-driven. */
const TABLE = new Uint16Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
  TABLE[n] = c;
}

export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

/** Whether bytes[start, end) is an RTU frame whose last two bytes are the CRC of the rest. */
export function crcValid(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start < 4) return false;
  return crc16(bytes, start, end - 2) === (bytes[end - 2]! | (bytes[end - 1]! << 8));
}
