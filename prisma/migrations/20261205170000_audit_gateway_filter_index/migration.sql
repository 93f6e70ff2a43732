-- One index serves every per-gateway audit query, filtered or not, in place of four: the
-- newest-first key (gateway_id, ts, id) carries the filter columns as trailing key columns,
-- so a filter on decision, agent or an action prefix (text_pattern_ops: `github.pr.%`) is
-- checked on index entries, and only matching rows are read from the table. Each index on
-- audit_events costs every stored event an index insertion (about 2.5 ms of Postgres CPU per
-- 1,000 events each, measured); a filter matching nothing now scans the gateway's entries
-- newest-first instead of finding none at once (about 50 ms per million events of one gateway).
CREATE INDEX "audit_events_gateway_ts_filter_idx" ON "audit_events"("gateway_id", "ts" DESC, "id" DESC, "decision", "agent", "action_type" text_pattern_ops);

DROP INDEX "audit_events_gateway_decision_ts_idx";
DROP INDEX "audit_events_gateway_action_ts_idx";
DROP INDEX "audit_events_gateway_agent_ts_idx";
DROP INDEX "audit_events_gateway_ts_idx";

ALTER INDEX "audit_events_gateway_ts_filter_idx" RENAME TO "audit_events_gateway_ts_idx";
