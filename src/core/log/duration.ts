/** "3 s", "4 min 10 s", "2 h 05 min", "3 d 4 h": a duration as an operator reads it in a log line. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${String(m % 60).padStart(2, '0')} min` : ''}`;
  return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
}
