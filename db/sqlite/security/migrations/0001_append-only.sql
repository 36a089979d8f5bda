-- The audit log is append-only: rows are never changed, and no row younger than six years
-- (HIPAA retention, 45 CFR 164.316(b)(2)) may be deleted.
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log`
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_retention` BEFORE DELETE ON `audit_log`
WHEN OLD.`at` > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-6 years')
BEGIN
  SELECT RAISE(ABORT, 'audit entries are kept at least six years');
END;
