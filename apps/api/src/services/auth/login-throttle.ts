import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";

/** Failed logins counted over this window. */
export const loginThrottleWindowMs = 15 * 60 * 1000;
/** Failures for one email within the window before further attempts are refused. */
export const maxFailuresPerEmail = 5;
/**
 * Failures from one address within the window. Higher than per email: several people may
 * share an address (an office NAT), while one attacker spraying many emails is still stopped.
 */
export const maxFailuresPerIp = 20;

/**
 * Refuses a login attempt (`rate_limited`) once an email or an address has failed too
 * often in the window. Checked before the password, so a refused attempt tests nothing;
 * refused attempts are not recorded, so the lock lifts when the window passes.
 */
export async function checkLoginThrottle(deps: AppDeps, email: string, ip: string | null): Promise<void> {
  const now = deps.clock();
  const since = new Date(now.getTime() - loginThrottleWindowMs);
  const minutes = Math.round(loginThrottleWindowMs / 60_000);
  const byEmail = await deps.repos.loginAttempts.countFailuresForEmail(email, since);
  if (byEmail >= maxFailuresPerEmail) {
    throw new AppError(
      "rate_limited",
      `too many failed logins for this email: try again in ${minutes} minutes`,
    );
  }
  if (ip !== null) {
    const byIp = await deps.repos.loginAttempts.countFailuresForIp(ip, since);
    if (byIp >= maxFailuresPerIp) {
      throw new AppError(
        "rate_limited",
        `too many failed logins from this address: try again in ${minutes} minutes`,
      );
    }
  }
}
