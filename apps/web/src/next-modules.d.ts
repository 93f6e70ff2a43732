// Next.js publishes `next/link`, `next/navigation`, … as extensionless files without an
// `exports` map, which the repository's NodeNext resolution cannot see. These declarations
// point the type checker at the same declaration files; the bundler resolves the imports itself.
declare module "next/link" {
  import type * as link from "next/dist/client/link.js";

  // A CommonJS `export default` seen from ESM: the component is the module's `default` member.
  const Link: typeof link.default.default;

  export * from "next/dist/client/link.js";
  export default Link;
}
declare module "next/navigation" {
  export * from "next/dist/client/components/navigation.js";
}
declare module "next/server" {
  export * from "next/dist/server/web/exports/index.js";
}
declare module "next/headers" {
  export * from "next/dist/server/request/cookies.js";
  export * from "next/dist/server/request/headers.js";
}
