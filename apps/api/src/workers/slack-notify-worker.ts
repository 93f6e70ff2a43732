import { queueNames, slackNotifyJobSchema } from "@tameflare/contracts";
import type { AppDeps } from "../deps.ts";
import { PermanentJobError, type QueueWorker } from "../queue/queue.ts";
import { createSlackService } from "../services/slack/slack-service.ts";

/**
 * Posts approval notifications to Slack. A Slack outage or rate limit throws (the queue
 * retries with backoff); a configuration error (bad token, unknown channel) or a settled
 * approval is logged and skipped.
 */
export function startSlackNotifyWorker(deps: AppDeps): QueueWorker {
  const slack = createSlackService(deps);
  return deps.queue.process(
    queueNames.slackNotify,
    async (payload) => {
      const parsed = slackNotifyJobSchema.safeParse(payload);
      if (!parsed.success) throw new PermanentJobError("slack-notify job: does not match its schema");
      const { org_id: orgId, approval_id: approvalId } = parsed.data;
      let result: Awaited<ReturnType<typeof slack.notifyApproval>>;
      try {
        result = await slack.notifyApproval(orgId, approvalId);
      } catch (error) {
        deps.metrics?.slackNotifications.inc("failed");
        throw error;
      }
      deps.metrics?.slackNotifications.inc(result.status);
      if (result.status === "skipped") {
        deps.log.info(`slack notification for approval \`${approvalId}\` skipped: ${result.reason}`);
      }
    },
    { concurrency: 4 },
  );
}
