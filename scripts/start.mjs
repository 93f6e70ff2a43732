// `pnpm start`: runs TameFlare on the embedded default. The control plane (API,
// workers, dashboard) lands with the control-plane and dashboard issues; until
// then this says so plainly and points at what works today.
console.log(`TameFlare
- control plane (API + workers + dashboard): not yet built in this checkout.
- what works today: the policy engine and connectors (pnpm test), and the gateway CLI once built: pnpm tf --help
See README.md and ARCHITECTURE.md.`);
