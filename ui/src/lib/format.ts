// Pure formatting helpers. Offsets arrive as decimal strings (see core/src/model.rs) and are
// never converted to numbers; counts and milliseconds arrive as numbers exact below 2^53.

/** 1234567 -> "1,234,567"; null -> "—". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return Math.round(n).toLocaleString('en-US');
}

/** Offsets stay strings: group digits without going through Number. */
export function formatOffset(s: string | null | undefined): string {
  if (s === null || s === undefined || s === '') return '—';
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  if (!/^\d+$/.test(digits)) return s;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return neg ? `-${grouped}` : grouped;
}

/** Messages per second with sensible precision. */
export function formatTps(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (n === 0) return '0';
  if (n < 10) return n.toFixed(2);
  if (n < 1000) return n.toFixed(1);
  return formatCount(n);
}

/** 0.1234 -> "12.3 %". */
export function formatRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || Number.isNaN(r)) return '—';
  return `${(r * 100).toFixed(1)} %`;
}

/** A duration in ms as "3d 4h", "5h 12m", "42m 3s", "8s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0 || Number.isNaN(ms)) return '—';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/** How old data fetched at `fetchedAt` is at `now`: "just now", "12 s ago", "3 min ago". */
export function formatAge(fetchedAt: number, now: number): string {
  const s = Math.max(0, Math.round((now - fetchedAt) / 1000));
  if (s < 3) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  return `${Math.floor(m / 60)} h ago`;
}

/** Epoch ms as local "YYYY-MM-DD HH:mm:ss". */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms <= 0) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** "V5_5_0" -> "5.5.0"; anything else unchanged. */
export function formatVersion(v: string | null | undefined): string {
  if (!v) return '—';
  const m = /^V(\d+)_(\d+)_(\d+)(?:_(\w+))?$/.exec(v);
  if (!m) return v;
  return `${m[1]}.${m[2]}.${m[3]}${m[4] ? `-${m[4]}` : ''}`;
}
