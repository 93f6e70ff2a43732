-- A seq range means something only within one hash chain: each gateway process run keeps its
-- own chain, numbered from seq 0, so a range stored per gateway also covered the same seq
-- numbers of every other run of that gateway, earlier and later ones. A range mark now names
-- its chain and covers that chain's events only.
-- AlterTable
ALTER TABLE "audit_review_marks" ADD COLUMN "chain_id" TEXT;

-- Ranges marked before this column: keep each one for the chains that had an event in the
-- range stored when it was made (the only events its reviewer could have seen), one mark per
-- chain (the copies get the original id plus `c2`, `c3`, …). A range that no stored event fell
-- in keeps a null chain and covers nothing from now on.
WITH "targets" AS (
    SELECT m."id", c."chain_id", row_number() OVER (PARTITION BY m."id" ORDER BY c."chain_id") AS "n"
    FROM "audit_review_marks" m
    CROSS JOIN LATERAL (
        SELECT DISTINCT e."chain_id" FROM "audit_events" e
        WHERE e."org_id" = m."org_id" AND e."gateway_id" = m."gateway_id"
          AND e."seq" BETWEEN m."from_seq" AND m."to_seq" AND e."received_at" <= m."created_at"
    ) c
    WHERE m."event_id" IS NULL AND m."from_seq" IS NOT NULL AND m."to_seq" IS NOT NULL
),
"copies" AS (
    INSERT INTO "audit_review_marks" (
        "id", "org_id", "gateway_id", "event_id", "chain_id", "from_seq", "to_seq", "reviewer_user_id", "comment", "created_at"
    )
    SELECT m."id" || 'c' || t."n", m."org_id", m."gateway_id", NULL, t."chain_id", m."from_seq", m."to_seq",
        m."reviewer_user_id", m."comment", m."created_at"
    FROM "targets" t JOIN "audit_review_marks" m ON m."id" = t."id"
    WHERE t."n" > 1
)
UPDATE "audit_review_marks" m SET "chain_id" = t."chain_id"
FROM "targets" t WHERE m."id" = t."id" AND t."n" = 1;

-- CreateIndex
CREATE INDEX "audit_review_marks_chain_id_to_seq_idx" ON "audit_review_marks"("chain_id", "to_seq");
