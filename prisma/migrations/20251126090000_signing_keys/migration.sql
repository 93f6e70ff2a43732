-- The API's own signing keys (bundle signing). The private key is stored sealed by the vault
-- master key; at most one active key per purpose (unique `active_purpose`).
-- CreateTable
CREATE TABLE "signing_keys" (
    "id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "private_ciphertext" BYTEA NOT NULL,
    "private_nonce" BYTEA NOT NULL,
    "vault_key_id" TEXT NOT NULL,
    "active_purpose" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(6),

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "signing_keys_active_purpose_key" ON "signing_keys"("active_purpose");
