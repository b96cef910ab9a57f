// Fuzzy matching for list filters: every query character must appear in order (case-insensitive).
// The score favours contiguous runs and matches at word starts, so "ordv2" ranks "Orders_v2" high.

/** A score > 0 when `query` matches `text` as a subsequence; 0 when it does not. Empty query: 1. */
export function fuzzyScore(query: string, text: string): number {
  const q = query.trim().toLowerCase();
  if (!q) return 1;
  const t = text.toLowerCase();
  let score = 0;
  let ti = 0;
  let run = 0;
  for (const ch of q) {
    const found = t.indexOf(ch, ti);
    if (found < 0) return 0;
    run = found === ti ? run + 1 : 1;
    const wordStart = found === 0 || /[^a-z0-9]/.test(t[found - 1] ?? '');
    score += run * 2 + (wordStart ? 3 : 0) + (found === ti ? 1 : 0);
    ti = found + 1;
  }
  // Exact substring matches rank above scattered ones.
  if (t.includes(q)) score += q.length * 4;
  return score;
}
