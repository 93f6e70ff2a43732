import type { RiskLevel } from "@tameflare/contracts";
import type { RouteContext, RouteRefinement, RouteSpec } from "../../types.ts";
import { isRecord } from "../../util/body.ts";

const R = "/repos/{owner}/{repo}";

function get(path: string, action: string, queryFields?: readonly string[]): RouteSpec {
  const spec: RouteSpec = { method: "GET", path, action, risk: "low", read: true };
  if (queryFields !== undefined) spec.queryFields = queryFields;
  return spec;
}

function write(
  method: string,
  path: string,
  action: string,
  risk: RiskLevel,
  bodyFields?: readonly string[],
  extra?: Pick<RouteSpec, "refine" | "usesBody">,
): RouteSpec {
  const spec: RouteSpec = { method, path, action, risk, read: false, ...extra };
  if (bodyFields !== undefined) spec.bodyFields = bodyFields;
  return spec;
}

function bodyString(body: unknown, key: string): string | undefined {
  if (!isRecord(body)) return undefined;
  const v = body[key];
  return typeof v === "string" ? v : undefined;
}

/** `refs/heads/x` or `heads/x` → `heads/x` (one `refs/` prefix removed). */
export function shortRef(ref: string): string {
  return ref.startsWith("refs/") ? ref.slice(5) : ref;
}

/** Action kind and extra parameters for a git ref: branch, tag, or other ref. */
export function refKind(ref: string): {
  kind: "branch" | "tag" | "ref";
  parameters: Record<string, unknown>;
} {
  const short = shortRef(ref);
  if (short.startsWith("heads/"))
    return { kind: "branch", parameters: { ref: short, branch: short.slice(6) } };
  if (short.startsWith("tags/")) return { kind: "tag", parameters: { ref: short, tag: short.slice(5) } };
  return { kind: "ref", parameters: { ref: short } };
}

const closeByState =
  (noun: "pr" | "issue") =>
  ({ body }: RouteContext): RouteRefinement | undefined =>
    bodyString(body, "state") === "closed" ? { type: `github.${noun}.close` } : undefined;

const fileWrite = ({ body }: RouteContext): RouteRefinement => {
  const sha = bodyString(body, "sha");
  return { type: sha !== undefined && sha !== "" ? "github.file.update" : "github.file.create" };
};

const refCreate = ({ body }: RouteContext): RouteRefinement => {
  const ref = bodyString(body, "ref");
  if (ref === undefined) return { type: "github.ref.create" };
  const { kind, parameters } = refKind(ref);
  return { type: `github.${kind}.create`, parameters };
};

const refDelete = ({ params }: RouteContext): RouteRefinement => {
  const { kind, parameters } = refKind(params.ref ?? "");
  return { type: `github.${kind}.delete`, parameters, risk: kind === "ref" ? "medium" : "high" };
};

const refUpdate = ({ params, body }: RouteContext): RouteRefinement => {
  const { kind, parameters } = refKind(params.ref ?? "");
  const force = isRecord(body) && body.force === true;
  return { type: `github.${kind}.update`, parameters, risk: force ? "high" : "medium" };
};

const repoUpdate = ({ body }: RouteContext): RouteRefinement | undefined => {
  if (!isRecord(body)) return undefined;
  // Making a repository public or archiving it is not an everyday edit.
  if (body.private === false || body.visibility === "public" || body.archived === true)
    return { risk: "high" };
  return undefined;
};

/** A repository generated from a template lands under the body's `owner`. */
const templateTarget = ({ body }: RouteContext): RouteRefinement | undefined => {
  const owner = bodyString(body, "owner");
  return owner === undefined ? undefined : { parameters: { new_owner: owner.toLowerCase() } };
};

const searchKind = ({ params }: RouteContext): RouteRefinement => {
  const kind = (params.kind ?? "").toLowerCase();
  return { type: /^[a-z_-]{1,32}$/.test(kind) ? `github.search.${kind}` : "github.search" };
};

/** Names of path parameters that are numbers in GitHub's API. */
export const githubNumericParams: ReadonlySet<string> = new Set([
  "number",
  "release_id",
  "asset_id",
  "comment_id",
  "review_id",
  "run_id",
  "job_id",
  "hook_id",
  "key_id",
  "deployment_id",
  "milestone_number",
]);

/**
 * GitHub REST routes (paths relative to the API root; for Enterprise, after
 * `base_path`). Refinements decide close vs update from the body's `state`,
 * file create vs update from `sha`, and branch vs tag from the ref.
 */
export const githubRoutes: readonly RouteSpec[] = [
  // Users and the authenticated account.
  get("/user", "github.user.get"),
  get("/users/{username}", "github.user.get"),
  write("PATCH", "/user", "github.user.update", "medium", ["name", "email", "blog", "bio"]),
  write("POST", "/user/keys", "github.ssh_key.create", "high", ["title"]),
  write("DELETE", "/user/keys/{key_id}", "github.ssh_key.delete", "high"),
  get("/user/orgs", "github.org.list"),

  // Repositories.
  get(R, "github.repo.get"),
  get("/user/repos", "github.repo.list", ["visibility", "affiliation", "type"]),
  get("/users/{username}/repos", "github.repo.list", ["type"]),
  get("/orgs/{org}/repos", "github.repo.list", ["type"]),
  write("POST", "/user/repos", "github.repo.create", "medium", ["name", "private", "visibility"]),
  write("POST", "/orgs/{org}/repos", "github.repo.create", "medium", ["name", "private", "visibility"]),
  write("POST", `${R}/generate`, "github.repo.create", "medium", ["name", "private"], {
    refine: templateTarget,
    usesBody: true,
  }),
  write(
    "PATCH",
    R,
    "github.repo.update",
    "medium",
    ["name", "private", "visibility", "default_branch", "archived"],
    { refine: repoUpdate, usesBody: true },
  ),
  write("DELETE", R, "github.repo.delete", "high"),
  write("POST", `${R}/forks`, "github.repo.fork", "medium", ["organization", "name"]),
  write("POST", `${R}/transfer`, "github.repo.transfer", "high", ["new_owner", "new_name"]),
  get(`${R}/readme`, "github.readme.get", ["ref"]),
  get(`${R}/languages`, "github.repo.languages"),
  get(`${R}/topics`, "github.repo.topics"),
  get(`${R}/contributors`, "github.repo.contributors"),
  write("POST", `${R}/dispatches`, "github.repo.dispatch", "medium", ["event_type"]),

  // Collaborators.
  get(`${R}/collaborators`, "github.collaborator.list"),
  write("PUT", `${R}/collaborators/{username}`, "github.collaborator.add", "high", ["permission"]),
  write("DELETE", `${R}/collaborators/{username}`, "github.collaborator.remove", "high"),

  // Branches, commits and git data.
  get(`${R}/branches`, "github.branch.list", ["protected"]),
  get(`${R}/branches/{branch}`, "github.branch.get"),
  write("POST", `${R}/branches/{branch}/rename`, "github.branch.rename", "high", ["new_name"]),
  get(`${R}/branches/{branch}/protection`, "github.branch.protection.get"),
  write("PUT", `${R}/branches/{branch}/protection`, "github.branch.protect", "high"),
  write("DELETE", `${R}/branches/{branch}/protection`, "github.branch.unprotect", "high"),
  write("POST", `${R}/merges`, "github.branch.merge", "medium", ["base", "head"]),
  get(`${R}/commits`, "github.commit.list", ["sha", "path", "author", "since", "until"]),
  get(`${R}/commits/{ref}`, "github.commit.get"),
  get(`${R}/compare/{basehead}`, "github.commit.compare"),
  write("POST", `${R}/commits/{commit_sha}/comments`, "github.commit.comment", "low", ["path"]),
  get(`${R}/git/refs/{ref*}`, "github.ref.get"),
  get(`${R}/git/ref/{ref*}`, "github.ref.get"),
  get(`${R}/git/matching-refs/{ref*}`, "github.ref.list"),
  write("POST", `${R}/git/refs`, "github.ref.create", "medium", ["sha"], {
    refine: refCreate,
    usesBody: true,
  }),
  write("PATCH", `${R}/git/refs/{ref*}`, "github.ref.update", "medium", ["sha", "force"], {
    refine: refUpdate,
    usesBody: true,
  }),
  write("DELETE", `${R}/git/refs/{ref*}`, "github.ref.delete", "high", undefined, { refine: refDelete }),
  write("POST", `${R}/git/blobs`, "github.git.blob.create", "low"),
  write("POST", `${R}/git/trees`, "github.git.tree.create", "low", ["base_tree"]),
  write("POST", `${R}/git/commits`, "github.git.commit.create", "low", ["tree", "parents"]),
  write("POST", `${R}/git/tags`, "github.git.tag.create", "low", ["tag", "object"]),
  get(`${R}/git/blobs/{sha}`, "github.git.get"),
  get(`${R}/git/trees/{sha}`, "github.git.get", ["recursive"]),
  get(`${R}/git/commits/{sha}`, "github.git.get"),
  get(`${R}/git/tags/{sha}`, "github.git.get"),
  get(`${R}/tags`, "github.tag.list"),

  // Contents.
  get(`${R}/contents`, "github.file.get", ["ref"]),
  get(`${R}/contents/{path*}`, "github.file.get", ["ref"]),
  write("PUT", `${R}/contents/{path*}`, "github.file.update", "medium", ["branch", "sha", "message"], {
    refine: fileWrite,
    usesBody: true,
  }),
  write("DELETE", `${R}/contents/{path*}`, "github.file.delete", "high", ["branch", "sha", "message"]),

  // Pull requests.
  get(`${R}/pulls`, "github.pr.list", ["state", "base", "head", "sort"]),
  write("POST", `${R}/pulls`, "github.pr.create", "medium", ["base", "head", "title", "draft", "issue"]),
  get(`${R}/pulls/{number}`, "github.pr.get"),
  write("PATCH", `${R}/pulls/{number}`, "github.pr.update", "medium", ["state", "base", "title"], {
    refine: closeByState("pr"),
    usesBody: true,
  }),
  get(`${R}/pulls/{number}/merge`, "github.pr.merged"),
  write("PUT", `${R}/pulls/{number}/merge`, "github.pr.merge", "high", [
    "merge_method",
    "sha",
    "commit_title",
  ]),
  get(`${R}/pulls/{number}/files`, "github.pr.files"),
  get(`${R}/pulls/{number}/commits`, "github.pr.commits"),
  get(`${R}/pulls/{number}/reviews`, "github.pr.review.list"),
  write("POST", `${R}/pulls/{number}/reviews`, "github.pr.review", "medium", ["event", "commit_id"]),
  write("POST", `${R}/pulls/{number}/reviews/{review_id}/events`, "github.pr.review", "medium", ["event"]),
  write("PUT", `${R}/pulls/{number}/reviews/{review_id}/dismissals`, "github.pr.review.dismiss", "medium"),
  get(`${R}/pulls/{number}/comments`, "github.pr.comment.list"),
  write("POST", `${R}/pulls/{number}/comments`, "github.pr.comment", "low", ["path", "commit_id", "line"]),
  write("POST", `${R}/pulls/{number}/requested_reviewers`, "github.pr.request_review", "low", [
    "reviewers",
    "team_reviewers",
  ]),
  write("PUT", `${R}/pulls/{number}/update-branch`, "github.pr.update_branch", "medium"),

  // Issues.
  get("/issues", "github.issue.list", ["filter", "state", "labels"]),
  get("/user/issues", "github.issue.list", ["filter", "state", "labels"]),
  get("/orgs/{org}/issues", "github.issue.list", ["filter", "state", "labels"]),
  get(`${R}/issues`, "github.issue.list", ["state", "labels", "assignee", "creator"]),
  write("POST", `${R}/issues`, "github.issue.create", "medium", [
    "title",
    "labels",
    "assignees",
    "milestone",
  ]),
  get(`${R}/issues/{number}`, "github.issue.get"),
  write(
    "PATCH",
    `${R}/issues/{number}`,
    "github.issue.update",
    "medium",
    ["state", "state_reason", "title", "labels", "assignees", "milestone"],
    { refine: closeByState("issue"), usesBody: true },
  ),
  get(`${R}/issues/comments`, "github.issue.comment.list"),
  get(`${R}/issues/{number}/comments`, "github.issue.comment.list"),
  write("POST", `${R}/issues/{number}/comments`, "github.issue.comment", "low"),
  write("PATCH", `${R}/issues/comments/{comment_id}`, "github.issue.comment.update", "low"),
  write("DELETE", `${R}/issues/comments/{comment_id}`, "github.issue.comment.delete", "medium"),
  write("POST", `${R}/issues/{number}/labels`, "github.issue.label", "low", ["labels"]),
  write("PUT", `${R}/issues/{number}/labels`, "github.issue.label", "low", ["labels"]),
  write("DELETE", `${R}/issues/{number}/labels/{name}`, "github.issue.unlabel", "low"),
  write("POST", `${R}/issues/{number}/assignees`, "github.issue.assign", "low", ["assignees"]),
  write("PUT", `${R}/issues/{number}/lock`, "github.issue.lock", "medium", ["lock_reason"]),
  write("DELETE", `${R}/issues/{number}/lock`, "github.issue.unlock", "medium"),
  get(`${R}/labels`, "github.label.list"),
  write("POST", `${R}/labels`, "github.label.create", "low", ["name", "color"]),
  get(`${R}/milestones`, "github.milestone.list", ["state"]),

  // Releases.
  get(`${R}/releases`, "github.release.list"),
  get(`${R}/releases/latest`, "github.release.get"),
  get(`${R}/releases/tags/{tag}`, "github.release.get"),
  get(`${R}/releases/{release_id}`, "github.release.get"),
  write("POST", `${R}/releases`, "github.release.create", "medium", [
    "tag_name",
    "target_commitish",
    "name",
    "draft",
    "prerelease",
  ]),
  write("PATCH", `${R}/releases/{release_id}`, "github.release.update", "medium", [
    "tag_name",
    "draft",
    "prerelease",
  ]),
  write("DELETE", `${R}/releases/{release_id}`, "github.release.delete", "high"),
  {
    ...write("POST", `${R}/releases/{release_id}/assets`, "github.release.asset.upload", "medium"),
    queryFields: ["name", "label"],
  },
  write("DELETE", `${R}/releases/assets/{asset_id}`, "github.release.asset.delete", "medium"),

  // Actions, deployments, statuses and checks.
  get(`${R}/actions/workflows`, "github.workflow.list"),
  write("POST", `${R}/actions/workflows/{workflow_id}/dispatches`, "github.workflow.dispatch", "medium", [
    "ref",
    "inputs",
  ]),
  get(`${R}/actions/runs`, "github.actions.run.list", ["branch", "status", "event"]),
  get(`${R}/actions/runs/{run_id}`, "github.actions.run.get"),
  write("POST", `${R}/actions/runs/{run_id}/rerun`, "github.actions.run.rerun", "medium"),
  write("POST", `${R}/actions/runs/{run_id}/cancel`, "github.actions.run.cancel", "medium"),
  get(`${R}/actions/secrets`, "github.secret.list"),
  write("PUT", `${R}/actions/secrets/{secret_name}`, "github.secret.update", "high"),
  write("DELETE", `${R}/actions/secrets/{secret_name}`, "github.secret.delete", "high"),
  write("PUT", "/orgs/{org}/actions/secrets/{secret_name}", "github.secret.update", "high", ["visibility"]),
  write("DELETE", "/orgs/{org}/actions/secrets/{secret_name}", "github.secret.delete", "high"),
  write("POST", `${R}/deployments`, "github.deployment.create", "high", ["ref", "environment"]),
  get(`${R}/deployments`, "github.deployment.list", ["environment", "ref"]),
  write("POST", `${R}/statuses/{sha}`, "github.status.create", "low", ["state", "context"]),
  write("POST", `${R}/check-runs`, "github.check.create", "low", [
    "name",
    "head_sha",
    "status",
    "conclusion",
  ]),

  // Webhooks and deploy keys: both can move code or data elsewhere.
  get(`${R}/hooks`, "github.webhook.list"),
  write("POST", `${R}/hooks`, "github.webhook.create", "high", ["config.url", "events", "active"]),
  write("PATCH", `${R}/hooks/{hook_id}`, "github.webhook.update", "high", ["config.url", "events", "active"]),
  write("DELETE", `${R}/hooks/{hook_id}`, "github.webhook.delete", "high"),
  get(`${R}/keys`, "github.deploy_key.list"),
  write("POST", `${R}/keys`, "github.deploy_key.create", "high", ["title", "read_only"]),
  write("DELETE", `${R}/keys/{key_id}`, "github.deploy_key.delete", "high"),

  // Organizations and teams.
  get("/orgs/{org}", "github.org.get"),
  write("PATCH", "/orgs/{org}", "github.org.update", "high", [
    "name",
    "default_repository_permission",
    "members_can_create_repositories",
  ]),
  get("/orgs/{org}/members", "github.org.member.list", ["role"]),
  write("PUT", "/orgs/{org}/memberships/{username}", "github.org.member.add", "high", ["role"]),
  write("DELETE", "/orgs/{org}/memberships/{username}", "github.org.member.remove", "high"),
  write("DELETE", "/orgs/{org}/members/{username}", "github.org.member.remove", "high"),
  get("/orgs/{org}/teams", "github.team.list"),
  write("POST", "/orgs/{org}/teams", "github.team.create", "medium", ["name", "privacy", "permission"]),
  get("/orgs/{org}/teams/{team_slug}", "github.team.get"),
  write("PATCH", "/orgs/{org}/teams/{team_slug}", "github.team.update", "medium", [
    "name",
    "privacy",
    "permission",
  ]),
  write("DELETE", "/orgs/{org}/teams/{team_slug}", "github.team.delete", "high"),
  write("PUT", "/orgs/{org}/teams/{team_slug}/memberships/{username}", "github.team.member.add", "high", [
    "role",
  ]),
  write(
    "DELETE",
    "/orgs/{org}/teams/{team_slug}/memberships/{username}",
    "github.team.member.remove",
    "medium",
  ),
  write(
    "PUT",
    "/orgs/{org}/teams/{team_slug}/repos/{repo_owner}/{repo_name}",
    "github.team.repo.add",
    "high",
    ["permission"],
  ),

  // Gists (a way to publish data) and search.
  get("/gists", "github.gist.list"),
  get("/gists/{gist_id}", "github.gist.get"),
  write("POST", "/gists", "github.gist.create", "medium", ["public", "description"]),
  write("PATCH", "/gists/{gist_id}", "github.gist.update", "medium"),
  write("DELETE", "/gists/{gist_id}", "github.gist.delete", "high"),
  { ...get("/search/{kind}", "github.search", ["q"]), refine: searchKind },

  // Misc reads.
  get("/rate_limit", "github.rate_limit.get"),
  get("/notifications", "github.notification.list"),
  get("/meta", "github.meta.get"),
];
