import { userInfo } from "node:os";

/** Who a local decision is recorded as when `--by` is not given: `local:<os user>`. */
export function localActor(): string {
  return `local:${userInfo().username}`;
}
