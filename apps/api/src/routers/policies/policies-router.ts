import { router } from "../../trpc/init.ts";
import { create } from "./create-policy.ts";
import { diff } from "./diff-policy-versions.ts";
import { get } from "./get-policy.ts";
import { list } from "./list-policies.ts";
import { versions } from "./list-policy-versions.ts";
import { remove } from "./remove-policy.ts";
import { sandbox } from "./sandbox-policy.ts";
import { setEnabled } from "./set-policy-enabled.ts";
import { setPriority } from "./set-policy-priority.ts";
import { simulate } from "./simulate-policy.ts";
import { update } from "./update-policy.ts";

export const policiesRouter = router({
  create,
  update,
  list,
  get,
  versions,
  diff,
  setEnabled,
  setPriority,
  remove,
  sandbox,
  simulate,
});
