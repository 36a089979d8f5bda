/**
 * Security API routes: audit verification and export for compliance officers (admin role; the
 * guard checks the RBAC table before these handlers run).
 *   GET /api/audit/verify                     { ok, entries, firstBroken?, problem? }
 *   GET /api/audit/export?format=ndjson|csv&from=ISO&to=ISO
 */
import type { Router } from '../http/router.ts';
import { errorJson, json } from '../http/types.ts';
import type { AuditLog, ExportFormat } from './audit/log.ts';

export interface SecurityApiDeps { audit: AuditLog }

const ISO = /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/;

export function registerSecurityApi(router: Router, d: SecurityApiDeps): void {
  router
    .on('GET', '/api/audit/verify', async () => json(200, await d.audit.verify()))
    .on('GET', '/api/audit/export', async (req) => {
      const format = (req.query.get('format') ?? 'ndjson') as ExportFormat;
      if (format !== 'ndjson' && format !== 'csv') return errorJson(400, 'ERR_BAD_REQUEST', 'format is ndjson or csv');
      const from = req.query.get('from') ?? undefined;
      const to = req.query.get('to') ?? undefined;
      if ((from && !ISO.test(from)) || (to && !ISO.test(to))) return errorJson(400, 'ERR_BAD_REQUEST', 'from/to are ISO 8601 UTC times');
      const lines: string[] = [];
      for await (const l of d.audit.export(format, { ...(from ? { from } : {}), ...(to ? { to } : {}) })) lines.push(l);
      return {
        status: 200,
        headers: { 'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8' },
        body: lines.join('\n') + (lines.length ? '\n' : ''),
      };
    });
}
