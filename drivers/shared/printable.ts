/** A reply shortened and made printable for logs and error details (other bytes as \xNN). */
export function printable(text: string, max = 64): string {
  const shown = text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}
