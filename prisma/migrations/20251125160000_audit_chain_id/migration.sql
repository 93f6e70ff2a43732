-- Each gateway process run keeps its own hash chain: events carry `gateway_id` =
-- `<gateway id>` or `<gateway id>:<run id>`, numbered from seq 0. The chain id is that
-- value as sent (and hashed); `seq` is unique per chain instead of per gateway.
ALTER TABLE "audit_events" ADD COLUMN "chain_id" TEXT;
UPDATE "audit_events" SET "chain_id" = "gateway_id";
ALTER TABLE "audit_events" ALTER COLUMN "chain_id" SET NOT NULL;

-- DropIndex
DROP INDEX "audit_events_gateway_id_seq_key";

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_chain_id_seq_key" ON "audit_events"("chain_id", "seq");
