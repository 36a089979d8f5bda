/**
 * Estimated amount from the configurable fee table (cents × units). The shipped amounts are
 * placeholders; the estimate is only as good as the table a clinic puts in.
 */
import type { FeeTable } from './tables.ts';
import type { Line, Trail } from './types.ts';

export function feeFor(fees: FeeTable, profileId: string, code: string): { cents: number; source: string } | undefined {
  return fees.profiles[profileId]?.[code];
}

export function estimate(lines: Line[], fees: FeeTable, profileId: string, trail: Trail): { currency: string; cents: number } {
  let cents = 0;
  const missing: string[] = [];
  for (const line of lines) {
    const fee = feeFor(fees, profileId, line.code);
    if (fee) cents += fee.cents * line.units;
    else missing.push(line.code);
  }
  if (missing.length > 0) {
    trail.flag('FEE_MISSING', 'warning', 'fees', `no fee for ${missing.join(', ')} in profile ${profileId}; counted as 0`);
  }
  if (lines.length > 0) {
    trail.why('fees', `estimated ${(cents / 100).toFixed(2)} ${fees.currency} over ${lines.length} line(s)`, fees.source);
  }
  return { currency: fees.currency, cents };
}
