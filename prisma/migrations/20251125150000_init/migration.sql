-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "role" AS ENUM ('owner', 'admin', 'member', 'viewer');

-- CreateEnum
CREATE TYPE "enforcement_level" AS ENUM ('monitor', 'soft', 'full');

-- CreateEnum
CREATE TYPE "decision_kind" AS ENUM ('allow', 'deny', 'require_approval');

-- CreateEnum
CREATE TYPE "access_preset" AS ENUM ('allow_all', 'read_only', 'require_approval', 'custom');

-- CreateEnum
CREATE TYPE "approval_status" AS ENUM ('pending', 'approved', 'denied', 'expired', 'cancelled');

-- CreateEnum
CREATE TYPE "kill_switch_scope" AS ENUM ('global', 'connector', 'gateway');

-- CreateTable
CREATE TABLE "organizations" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "password_hash" TEXT,
    "last_login_at" TIMESTAMPTZ(6),
    "disabled_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memberships" (
    "org_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "role" "role" NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "memberships_pkey" PRIMARY KEY ("org_id","user_id")
);

-- CreateTable
CREATE TABLE "invites" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "role" NOT NULL,
    "token_hash" TEXT NOT NULL,
    "invited_by_user_id" TEXT,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "accepted_at" TIMESTAMPTZ(6),
    "accepted_by_user_id" TEXT,
    "revoked_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invites_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "active_org_id" TEXT,
    "ip" TEXT,
    "user_agent" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "token_prefix" TEXT NOT NULL,
    "last_used_at" TIMESTAMPTZ(6),
    "expires_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "login_attempts" (
    "id" BIGSERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "ip" TEXT,
    "succeeded" BOOLEAN NOT NULL,
    "attempted_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "login_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gateways" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "token_hash" TEXT NOT NULL,
    "token_prefix" TEXT NOT NULL,
    "enforcement" "enforcement_level" NOT NULL DEFAULT 'full',
    "signing_public_jwk" JSONB,
    "encryption_public_jwk" JSONB,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "last_bundle_version" INTEGER NOT NULL DEFAULT 0,
    "acked_bundle_version" INTEGER,
    "last_seen_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gateways_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "connectors" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "gateway_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "domains" TEXT[],
    "upstream" TEXT,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "connectors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "secrets" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "gateway_id" TEXT NOT NULL,
    "connector_id" TEXT NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "nonce" BYTEA NOT NULL,
    "key_id" TEXT NOT NULL,
    "last4" TEXT NOT NULL,
    "created_by_user_id" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "access_rules" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "gateway_id" TEXT NOT NULL,
    "connector" TEXT NOT NULL,
    "preset" "access_preset",
    "action_pattern" TEXT,
    "decision" "decision_kind",
    "position" INTEGER NOT NULL DEFAULT 0,
    "created_by_user_id" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "access_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policies" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "gateway_id" TEXT,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "current_version" INTEGER NOT NULL,
    "created_by_user_id" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policy_versions" (
    "policy_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "document" JSONB NOT NULL,
    "priority" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "author_user_id" TEXT,
    "change_note" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "policy_versions_pkey" PRIMARY KEY ("policy_id","version")
);

-- CreateTable
CREATE TABLE "rate_limits" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "gateway_id" TEXT,
    "name" TEXT,
    "action_pattern" TEXT NOT NULL,
    "per_agent" BOOLEAN NOT NULL DEFAULT false,
    "max" INTEGER NOT NULL,
    "window_seconds" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bundles" (
    "gateway_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "org_id" TEXT NOT NULL,
    "jws" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6),

    CONSTRAINT "bundles_pkey" PRIMARY KEY ("gateway_id","version")
);

-- CreateTable
CREATE TABLE "approvals" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "gateway_id" TEXT NOT NULL,
    "agent" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "connector" TEXT,
    "action_type" TEXT NOT NULL,
    "action" JSONB NOT NULL,
    "rule" TEXT,
    "reason" TEXT,
    "risk_score" DOUBLE PRECISION,
    "status" "approval_status" NOT NULL DEFAULT 'pending',
    "approver_roles" TEXT[],
    "requested_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "decided_at" TIMESTAMPTZ(6),
    "decided_by" TEXT,
    "decided_via" TEXT,
    "note" TEXT,

    CONSTRAINT "approvals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "event_id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "gateway_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "ts" TIMESTAMPTZ(6) NOT NULL,
    "ts_text" TEXT NOT NULL,
    "agent" TEXT NOT NULL,
    "connector" TEXT,
    "action_type" TEXT,
    "decision" TEXT NOT NULL,
    "enforced" TEXT,
    "mode" TEXT,
    "reason" TEXT,
    "rule" TEXT,
    "risk" TEXT,
    "risk_score" DOUBLE PRECISION,
    "status" INTEGER,
    "latency_ms" DOUBLE PRECISION,
    "method" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "approval_id" TEXT,
    "error_code" TEXT,
    "bytes_in" BIGINT,
    "bytes_out" BIGINT,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_review_marks" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "gateway_id" TEXT NOT NULL,
    "event_id" TEXT,
    "from_seq" BIGINT,
    "to_seq" BIGINT,
    "reviewer_user_id" TEXT NOT NULL,
    "comment" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_review_marks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "kill_switches" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "scope" "kill_switch_scope" NOT NULL,
    "target" TEXT,
    "gateway_id" TEXT,
    "reason" TEXT,
    "activated_by" TEXT,
    "activated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deactivated_at" TIMESTAMPTZ(6),
    "deactivated_by" TEXT,

    CONSTRAINT "kill_switches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slack_settings" (
    "org_id" TEXT NOT NULL,
    "channel" TEXT,
    "team_id" TEXT,
    "bot_token_ciphertext" BYTEA,
    "bot_token_nonce" BYTEA,
    "bot_token_key_id" TEXT,
    "signing_secret_ciphertext" BYTEA,
    "signing_secret_nonce" BYTEA,
    "signing_secret_key_id" TEXT,
    "webhook_url_ciphertext" BYTEA,
    "webhook_url_nonce" BYTEA,
    "webhook_url_key_id" TEXT,
    "updated_by_user_id" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slack_settings_pkey" PRIMARY KEY ("org_id")
);

-- CreateTable
CREATE TABLE "slack_link_nonces" (
    "nonce" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "approval_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "slack_link_nonces_pkey" PRIMARY KEY ("nonce")
);

-- CreateIndex
CREATE UNIQUE INDEX "organizations_slug_key" ON "organizations"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "memberships_user_id_idx" ON "memberships"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "invites_token_hash_key" ON "invites"("token_hash");

-- CreateIndex
CREATE INDEX "invites_org_id_created_at_idx" ON "invites"("org_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions"("token_hash");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_org_id_user_id_idx" ON "api_tokens"("org_id", "user_id");

-- CreateIndex
CREATE INDEX "login_attempts_email_attempted_at_idx" ON "login_attempts"("email", "attempted_at" DESC);

-- CreateIndex
CREATE INDEX "login_attempts_ip_attempted_at_idx" ON "login_attempts"("ip", "attempted_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "gateways_token_hash_key" ON "gateways"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "gateways_org_id_name_key" ON "gateways"("org_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "gateways_id_org_id_key" ON "gateways"("id", "org_id");

-- CreateIndex
CREATE INDEX "connectors_org_id_idx" ON "connectors"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "connectors_gateway_id_name_key" ON "connectors"("gateway_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "connectors_id_gateway_id_key" ON "connectors"("id", "gateway_id");

-- CreateIndex
CREATE INDEX "secrets_org_id_idx" ON "secrets"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "secrets_gateway_id_connector_id_key" ON "secrets"("gateway_id", "connector_id");

-- CreateIndex
CREATE INDEX "access_rules_gateway_id_position_idx" ON "access_rules"("gateway_id", "position");

-- CreateIndex
CREATE INDEX "access_rules_org_id_idx" ON "access_rules"("org_id");

-- CreateIndex
CREATE INDEX "policies_org_id_deleted_at_idx" ON "policies"("org_id", "deleted_at");

-- CreateIndex
CREATE INDEX "policies_gateway_id_idx" ON "policies"("gateway_id");

-- CreateIndex
CREATE UNIQUE INDEX "policies_id_org_id_key" ON "policies"("id", "org_id");

-- CreateIndex
CREATE INDEX "policy_versions_org_id_idx" ON "policy_versions"("org_id");

-- CreateIndex
CREATE INDEX "rate_limits_org_id_idx" ON "rate_limits"("org_id");

-- CreateIndex
CREATE INDEX "rate_limits_gateway_id_idx" ON "rate_limits"("gateway_id");

-- CreateIndex
CREATE INDEX "bundles_org_id_idx" ON "bundles"("org_id");

-- CreateIndex
CREATE INDEX "approvals_org_id_status_requested_at_idx" ON "approvals"("org_id", "status", "requested_at" DESC);

-- CreateIndex
CREATE INDEX "approvals_status_expires_at_idx" ON "approvals"("status", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "approvals_gateway_id_request_id_key" ON "approvals"("gateway_id", "request_id");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_event_id_key" ON "audit_events"("event_id");

-- CreateIndex
CREATE INDEX "audit_events_gateway_ts_idx" ON "audit_events"("gateway_id", "ts" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_events_gateway_decision_ts_idx" ON "audit_events"("gateway_id", "decision", "ts" DESC);

-- CreateIndex
CREATE INDEX "audit_events_gateway_action_ts_idx" ON "audit_events"("gateway_id", "action_type" text_pattern_ops, "ts" DESC);

-- CreateIndex
CREATE INDEX "audit_events_gateway_agent_ts_idx" ON "audit_events"("gateway_id", "agent", "ts" DESC);

-- CreateIndex
CREATE INDEX "audit_events_org_ts_idx" ON "audit_events"("org_id", "ts" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_gateway_id_seq_key" ON "audit_events"("gateway_id", "seq");

-- CreateIndex
CREATE INDEX "audit_review_marks_gateway_id_created_at_idx" ON "audit_review_marks"("gateway_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_review_marks_event_id_idx" ON "audit_review_marks"("event_id");

-- CreateIndex
CREATE INDEX "kill_switches_org_id_deactivated_at_idx" ON "kill_switches"("org_id", "deactivated_at");

-- CreateIndex
CREATE INDEX "slack_link_nonces_expires_at_idx" ON "slack_link_nonces"("expires_at");

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invites" ADD CONSTRAINT "invites_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gateways" ADD CONSTRAINT "gateways_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_gateway_id_org_id_fkey" FOREIGN KEY ("gateway_id", "org_id") REFERENCES "gateways"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_gateway_id_org_id_fkey" FOREIGN KEY ("gateway_id", "org_id") REFERENCES "gateways"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_connector_id_gateway_id_fkey" FOREIGN KEY ("connector_id", "gateway_id") REFERENCES "connectors"("id", "gateway_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_rules" ADD CONSTRAINT "access_rules_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_rules" ADD CONSTRAINT "access_rules_gateway_id_org_id_fkey" FOREIGN KEY ("gateway_id", "org_id") REFERENCES "gateways"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policies" ADD CONSTRAINT "policies_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policies" ADD CONSTRAINT "policies_gateway_id_org_id_fkey" FOREIGN KEY ("gateway_id", "org_id") REFERENCES "gateways"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_versions" ADD CONSTRAINT "policy_versions_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_versions" ADD CONSTRAINT "policy_versions_policy_id_org_id_fkey" FOREIGN KEY ("policy_id", "org_id") REFERENCES "policies"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rate_limits" ADD CONSTRAINT "rate_limits_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rate_limits" ADD CONSTRAINT "rate_limits_gateway_id_org_id_fkey" FOREIGN KEY ("gateway_id", "org_id") REFERENCES "gateways"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundles" ADD CONSTRAINT "bundles_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundles" ADD CONSTRAINT "bundles_gateway_id_org_id_fkey" FOREIGN KEY ("gateway_id", "org_id") REFERENCES "gateways"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_gateway_id_org_id_fkey" FOREIGN KEY ("gateway_id", "org_id") REFERENCES "gateways"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_gateway_id_org_id_fkey" FOREIGN KEY ("gateway_id", "org_id") REFERENCES "gateways"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_review_marks" ADD CONSTRAINT "audit_review_marks_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_review_marks" ADD CONSTRAINT "audit_review_marks_gateway_id_org_id_fkey" FOREIGN KEY ("gateway_id", "org_id") REFERENCES "gateways"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "kill_switches" ADD CONSTRAINT "kill_switches_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "kill_switches" ADD CONSTRAINT "kill_switches_gateway_id_org_id_fkey" FOREIGN KEY ("gateway_id", "org_id") REFERENCES "gateways"("id", "org_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slack_settings" ADD CONSTRAINT "slack_settings_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slack_link_nonces" ADD CONSTRAINT "slack_link_nonces_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

