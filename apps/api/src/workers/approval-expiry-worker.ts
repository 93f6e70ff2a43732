import { approvalExpiryJobSchema, queueNames } from "@tameflare/contracts";
import type { AppDeps } from "../deps.ts";
import { PermanentJobError, type QueueWorker } from "../queue/queue.ts";
import { createApprovalsService } from "../services/approvals/approvals-service.ts";

/**
 * Expires approvals nobody decided: the delayed job added at creation fires at the approval's
 * expiry and marks it `expired` if it is still pending (a job that fires early re-schedules
 * itself). A periodic sweep expires what lost jobs missed (Redis restarted without persistence,
 * or the embedded queue's process restarted) and forgets used Slack link nonces whose links expired.
 */
export function startApprovalExpiryWorker(
  deps: AppDeps,
  options: { sweepIntervalMs?: number } = {},
): QueueWorker {
  const approvals = createApprovalsService(deps);
  const worker = deps.queue.process(
    queueNames.approvalExpiry,
    async (payload) => {
      const parsed = approvalExpiryJobSchema.safeParse(payload);
      if (!parsed.success) throw new PermanentJobError("approval-expiry job: does not match its schema");
      const { retryInMs } = await approvals.expire(parsed.data.approval_id);
      if (retryInMs !== null) {
        await deps.queue.add(
          queueNames.approvalExpiry,
          { approval_id: parsed.data.approval_id },
          { delayMs: retryInMs, jobId: `approval-expiry:${parsed.data.approval_id}:${Date.now()}` },
        );
      }
    },
    { concurrency: 4 },
  );

  const intervalMs = options.sweepIntervalMs ?? deps.env.APPROVAL_SWEEP_INTERVAL_MS;
  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    sweeping ??= approvals
      .sweepExpired()
      // Used link nonces are only needed until their link expires (a later use answers 410).
      .then(() => deps.repos.slack.pruneLinkNonces(deps.clock()))
      .then(() => undefined)
      .catch((cause: unknown) => deps.log.warn(`approval sweep failed (will retry): ${String(cause)}`))
      .finally(() => {
        sweeping = undefined;
      });
  };
  const timer = setInterval(sweep, intervalMs);
  sweep();

  return {
    async close() {
      clearInterval(timer);
      await sweeping;
      await worker.close();
    },
  };
}
