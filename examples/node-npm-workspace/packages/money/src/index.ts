// Amounts are kept in integer cents; this package formats and sums them for every app.
export type Entry = { label: string; cents: number };

export function formatCents(cents: number, currency = "EUR"): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(cents));
  const units = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const rest = (abs % 100).toString().padStart(2, "0");
  return `${sign}${units}.${rest} ${currency}`;
}

export function balance(entries: Entry[]): number {
  return entries.reduce((sum, e) => sum + e.cents, 0);
}
