import type { RiskLevel } from "@tameflare/contracts";
import type { RouteContext, RouteSpec } from "../../types.ts";

/**
 * Body (form) fields copied into parameters on every Stripe write. Only ids,
 * amounts, flags and metadata: never free text, emails or card data. A field the
 * body does not carry is simply absent.
 */
export const stripeBodyFields = [
  "amount",
  "currency",
  "customer",
  "account",
  "charge",
  "payment_intent",
  "payment_method",
  "setup_intent",
  "destination",
  "source_transaction",
  "transfer_group",
  "transfer_data",
  "on_behalf_of",
  "application_fee_amount",
  "amount_to_capture",
  "capture_method",
  "confirm",
  "off_session",
  "price",
  "product",
  "unit_amount",
  "recurring",
  "subscription",
  "invoice",
  "coupon",
  "promotion_code",
  "percent_off",
  "amount_off",
  "duration",
  "quantity",
  "cancel_at_period_end",
  "cancel_at",
  "collection_method",
  "days_until_due",
  "mode",
  "method",
  "reason",
  "type",
  "url",
  "metadata",
] as const;

/** Query parameters copied into parameters on reads (list filters). */
export const stripeQueryFields = [
  "customer",
  "status",
  "subscription",
  "payment_intent",
  "charge",
  "price",
  "product",
] as const;

function read(path: string, action: string): RouteSpec {
  return { method: "GET", path, action, risk: "low", read: true, queryFields: stripeQueryFields };
}

function write(method: "POST" | "DELETE", path: string, action: string, risk: RiskLevel): RouteSpec {
  return method === "POST"
    ? { method, path, action, risk, read: false, bodyFields: stripeBodyFields }
    : { method, path, action, risk, read: false };
}

const post = (path: string, action: string, risk: RiskLevel = "medium") => write("POST", path, action, risk);
// Deleting a Stripe object is irreversible: every DELETE is high risk.
const del = (path: string, action: string) => write("DELETE", path, action, "high");

/** A standard Stripe resource: create, list, get, update (and optionally search / delete). */
function crud(
  collection: string,
  idName: string,
  resource: string,
  options: { search?: boolean; delete?: boolean; createRisk?: RiskLevel } = {},
): RouteSpec[] {
  const base = `/v1/${collection}`;
  const item = `${base}/{${idName}}`;
  const routes = [
    post(base, `stripe.${resource}.create`, options.createRisk ?? "medium"),
    read(base, `stripe.${resource}.list`),
    read(item, `stripe.${resource}.get`),
    post(item, `stripe.${resource}.update`),
  ];
  if (options.search) routes.push(read(`${base}/search`, `stripe.${resource}.search`));
  if (options.delete) routes.push(del(item, `stripe.${resource}.delete`));
  return routes;
}

/**
 * `POST /v1/subscriptions/{id}` with `cancel_at_period_end=true` or a `cancel_at`
 * schedules a cancellation: the body decides that it is a cancel, not an update.
 */
function subscriptionUpdateRefine(ctx: RouteContext): ReturnType<NonNullable<RouteSpec["refine"]>> {
  const atPeriodEnd = field(ctx, "cancel_at_period_end");
  const cancelAt = field(ctx, "cancel_at");
  const cancels =
    atPeriodEnd === true || atPeriodEnd === "true" || (cancelAt !== undefined && cancelAt !== "");
  return cancels ? { type: "stripe.subscription.cancel", risk: "high" } : undefined;
}

function field(ctx: RouteContext, name: string): unknown {
  const body = ctx.body;
  if (body !== null && typeof body === "object" && Object.hasOwn(body, name)) {
    return (body as Record<string, unknown>)[name];
  }
  return ctx.query[name];
}

/**
 * The Stripe route table (api.stripe.com and files.stripe.com, `/v1`). Risk:
 * moving money out (refunds, transfers, payouts, credit notes, application fee
 * refunds), cancelling subscriptions, redirecting webhooks and every delete are
 * high; other writes medium; reads low. Static segments are lower-case; matching
 * is case-insensitive (see `stripe-connector.ts`).
 */
export const stripeRoutes: readonly RouteSpec[] = [
  // Charges and refunds.
  ...crud("charges", "charge_id", "charge", { search: true }),
  post("/v1/charges/{charge_id}/capture", "stripe.charge.capture"),
  post("/v1/charges/{charge_id}/refund", "stripe.refund.create", "high"),
  post("/v1/charges/{charge_id}/refunds", "stripe.refund.create", "high"),
  read("/v1/charges/{charge_id}/refunds", "stripe.refund.list"),
  read("/v1/charges/{charge_id}/refunds/{refund_id}", "stripe.refund.get"),
  ...crud("refunds", "refund_id", "refund", { createRisk: "high" }),
  post("/v1/refunds/{refund_id}/cancel", "stripe.refund.cancel", "high"),

  // Payment intents and setup intents.
  ...crud("payment_intents", "payment_intent_id", "payment_intent", { search: true }),
  post("/v1/payment_intents/{payment_intent_id}/confirm", "stripe.payment_intent.confirm"),
  post("/v1/payment_intents/{payment_intent_id}/capture", "stripe.payment_intent.capture"),
  post("/v1/payment_intents/{payment_intent_id}/cancel", "stripe.payment_intent.cancel"),
  post(
    "/v1/payment_intents/{payment_intent_id}/increment_authorization",
    "stripe.payment_intent.increment_authorization",
  ),
  ...crud("setup_intents", "setup_intent_id", "setup_intent"),
  post("/v1/setup_intents/{setup_intent_id}/confirm", "stripe.setup_intent.confirm"),
  post("/v1/setup_intents/{setup_intent_id}/cancel", "stripe.setup_intent.cancel"),

  // Customers.
  ...crud("customers", "customer_id", "customer", { search: true, delete: true }),
  read("/v1/customers/{customer_id}/payment_methods", "stripe.payment_method.list"),
  read("/v1/customers/{customer_id}/payment_methods/{payment_method_id}", "stripe.payment_method.get"),
  post("/v1/customers/{customer_id}/balance_transactions", "stripe.customer.adjust_balance"),
  read("/v1/customers/{customer_id}/balance_transactions", "stripe.customer.list_balance_transactions"),
  del("/v1/customers/{customer_id}/discount", "stripe.customer.delete_discount"),

  // Payment methods.
  ...crud("payment_methods", "payment_method_id", "payment_method"),
  post("/v1/payment_methods/{payment_method_id}/attach", "stripe.payment_method.attach"),
  post("/v1/payment_methods/{payment_method_id}/detach", "stripe.payment_method.detach"),

  // Subscriptions.
  ...crud("subscriptions", "subscription_id", "subscription", { search: true }).map(
    (route): RouteSpec =>
      route.action === "stripe.subscription.update"
        ? { ...route, refine: subscriptionUpdateRefine, usesBody: true }
        : route,
  ),
  // Stripe cancels a subscription with DELETE.
  del("/v1/subscriptions/{subscription_id}", "stripe.subscription.cancel"),
  post("/v1/subscriptions/{subscription_id}/resume", "stripe.subscription.resume"),
  del("/v1/subscriptions/{subscription_id}/discount", "stripe.subscription.delete_discount"),
  ...crud("subscription_items", "subscription_item_id", "subscription_item", { delete: true }),

  // Invoices.
  ...crud("invoices", "invoice_id", "invoice", { search: true, delete: true }),
  post("/v1/invoices/{invoice_id}/finalize", "stripe.invoice.finalize"),
  post("/v1/invoices/{invoice_id}/pay", "stripe.invoice.pay"),
  post("/v1/invoices/{invoice_id}/void", "stripe.invoice.void"),
  post("/v1/invoices/{invoice_id}/send", "stripe.invoice.send"),
  post("/v1/invoices/{invoice_id}/mark_uncollectible", "stripe.invoice.mark_uncollectible"),
  read("/v1/invoices/{invoice_id}/lines", "stripe.invoice.list_lines"),
  read("/v1/invoices/upcoming", "stripe.invoice.upcoming"),
  // A preview computes an invoice without creating anything: a read sent as POST.
  { ...post("/v1/invoices/create_preview", "stripe.invoice.preview", "low"), read: true },
  ...crud("invoiceitems", "invoice_item_id", "invoice_item", { delete: true }),
  post("/v1/credit_notes", "stripe.credit_note.create", "high"),
  read("/v1/credit_notes", "stripe.credit_note.list"),
  read("/v1/credit_notes/{credit_note_id}", "stripe.credit_note.get"),
  post("/v1/credit_notes/{credit_note_id}/void", "stripe.credit_note.void"),

  // Money out: transfers, payouts, application fee refunds.
  ...crud("transfers", "transfer_id", "transfer", { createRisk: "high" }),
  post("/v1/transfers/{transfer_id}/reversals", "stripe.transfer.reverse", "high"),
  read("/v1/transfers/{transfer_id}/reversals", "stripe.transfer.list_reversals"),
  read("/v1/transfers/{transfer_id}/reversals/{reversal_id}", "stripe.transfer.get_reversal"),
  post("/v1/transfers/{transfer_id}/reversals/{reversal_id}", "stripe.transfer.update_reversal"),
  ...crud("payouts", "payout_id", "payout", { createRisk: "high" }),
  post("/v1/payouts/{payout_id}/cancel", "stripe.payout.cancel", "high"),
  post("/v1/payouts/{payout_id}/reverse", "stripe.payout.reverse", "high"),
  post("/v1/application_fees/{application_fee_id}/refunds", "stripe.application_fee.refund", "high"),
  read("/v1/application_fees", "stripe.application_fee.list"),
  read("/v1/application_fees/{application_fee_id}", "stripe.application_fee.get"),

  // Catalog.
  ...crud("products", "product_id", "product", { search: true, delete: true }),
  ...crud("prices", "price_id", "price", { search: true }),
  ...crud("coupons", "coupon_id", "coupon", { delete: true }),
  ...crud("promotion_codes", "promotion_code_id", "promotion_code"),
  ...crud("tax_rates", "tax_rate_id", "tax_rate"),

  // Checkout, payment links, billing portal.
  post("/v1/checkout/sessions", "stripe.checkout_session.create"),
  read("/v1/checkout/sessions", "stripe.checkout_session.list"),
  read("/v1/checkout/sessions/{session_id}", "stripe.checkout_session.get"),
  post("/v1/checkout/sessions/{session_id}", "stripe.checkout_session.update"),
  post("/v1/checkout/sessions/{session_id}/expire", "stripe.checkout_session.expire"),
  read("/v1/checkout/sessions/{session_id}/line_items", "stripe.checkout_session.list_line_items"),
  ...crud("payment_links", "payment_link_id", "payment_link"),
  post("/v1/billing_portal/sessions", "stripe.billing_portal_session.create"),

  // Balance, events, disputes.
  read("/v1/balance", "stripe.balance.get"),
  read("/v1/balance_transactions", "stripe.balance_transaction.list"),
  read("/v1/balance_transactions/{balance_transaction_id}", "stripe.balance_transaction.get"),
  read("/v1/events", "stripe.event.list"),
  read("/v1/events/{event_id}", "stripe.event.get"),
  read("/v1/disputes", "stripe.dispute.list"),
  read("/v1/disputes/{dispute_id}", "stripe.dispute.get"),
  post("/v1/disputes/{dispute_id}", "stripe.dispute.update"),
  // Closing a dispute accepts the loss of the disputed funds.
  post("/v1/disputes/{dispute_id}/close", "stripe.dispute.close", "high"),

  // Webhook endpoints: whoever sets the URL receives every event (customer data).
  ...crud("webhook_endpoints", "webhook_endpoint_id", "webhook_endpoint", {
    delete: true,
    createRisk: "high",
  }).map(
    (route): RouteSpec =>
      route.action === "stripe.webhook_endpoint.update" ? { ...route, risk: "high" } : route,
  ),

  // Connect accounts.
  ...crud("accounts", "account_id", "account", { delete: true }),
  post("/v1/accounts/{account_id}/reject", "stripe.account.reject", "high"),
  read("/v1/account", "stripe.account.get_own"),
  post("/v1/account_links", "stripe.account_link.create"),

  // Files (uploads go to files.stripe.com as multipart: parameters from the path only).
  { method: "POST", path: "/v1/files", action: "stripe.file.upload", risk: "medium", read: false },
  read("/v1/files", "stripe.file.list"),
  read("/v1/files/{file_id}", "stripe.file.get"),
];
