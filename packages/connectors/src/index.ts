export * from "./types.ts";
export * from "./util/body.ts";
export * from "./util/path.ts";
export * from "./util/routes.ts";
