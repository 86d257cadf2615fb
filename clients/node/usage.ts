// Uses the types openapi-typescript generated from the invoices example's OpenAPI
// 3.1 document. `tsc --noEmit` must accept this file: each line below depends on
// the document describing the API as it is.
import type { components, operations, paths } from "./generated/invoices";

type Invoice = components["schemas"]["Invoice"];
type InvoiceEvent = components["schemas"]["InvoiceEvent"];
type InvoiceEventReceived = components["schemas"]["InvoiceEventReceived"];
type Problem = components["schemas"]["Problem"];

// The request body: `title` is optional and nullable, `total` a number.
const invoice: Invoice = { id: "inv-1", title: null, customer: "ACME", total: 42.5 };
const untitled: Invoice = { id: "inv-2", customer: "ACME", total: 1 };

// The query parameter, optional.
type CreateInvoice = operations["create_invoice"];
const query: CreateInvoice["parameters"]["query"] = { callback_url: "https://example.com/hooks" };
const noQuery: CreateInvoice["parameters"]["query"] = {};

// The 200 reply and the problem replies.
type Receipt = paths["/invoices/"]["post"]["responses"][200]["content"]["application/json"];
const receipt: Receipt = { msg: "Invoice received" };
type BadRequest = paths["/invoices/"]["post"]["responses"][400]["content"]["application/problem+json"];
const problem: BadRequest = {
  type: "about:blank",
  title: "Bad Request",
  status: 400,
  detail: "body /total: invalid type",
  errors: [{ in: "body", pointer: "/total", detail: "invalid type" }],
};
const sameProblem: Problem = problem;

// The callback's body and the reply the API expects from the API user.
const event: InvoiceEvent = { description: "Invoice paid", paid: true };
const ack: InvoiceEventReceived = { ok: true };

// Wrong shapes must not type-check.
// @ts-expect-error `total` is a number.
const wrongTotal: Invoice = { id: "x", customer: "y", total: "ten" };
// @ts-expect-error `customer` is required.
const noCustomer: Invoice = { id: "x", total: 1 };

export { invoice, untitled, query, noQuery, receipt, sameProblem, event, ack, wrongTotal, noCustomer };
