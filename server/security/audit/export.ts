/** Export formats of the audit log for compliance officers: NDJSON, or CSV (RFC 4180). */
import type { AuditEntry } from './chain.ts';

export type ExportFormat = 'ndjson' | 'csv';

export const CSV_COLUMNS = ['seq', 'at', 'actor', 'role', 'resource', 'action', 'outcome', 'address', 'detail', 'prevHash', 'hash'] as const;

export function csvLine(e: AuditEntry): string {
  return CSV_COLUMNS.map((k) => csvField(e[k])).join(',');
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  // RFC 4180 quoting; a leading formula character is neutralised for spreadsheet users.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}
