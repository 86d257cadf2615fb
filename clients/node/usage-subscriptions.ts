// Uses the types openapi-typescript generated from the protected subscriptions
// example's OpenAPI 3.1 document: the operations that take a bearer token have
// their documented 401 problem reply; the public one has none.
import type { operations } from "./generated/subscriptions";

type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
};

// A protected operation: its 401 reply is a problem document.
type List = operations["list_subscriptions"];
type Unauthorized = List["responses"][401]["content"]["application/problem+json"];
const unauthorized: Unauthorized = {
  type: "about:blank",
  title: "Unauthorized",
  status: 401,
  detail: "a bearer token is required",
};
const asProblem: Problem = unauthorized;

// The administrators' operation too.
type AdminUnauthorized =
  operations["all_subscriptions"]["responses"][401]["content"]["application/problem+json"];
const admin: AdminUnauthorized = unauthorized;

// The public operation documents no 401.
type StatusResponses = keyof operations["status"]["responses"];
const onlyOk: StatusResponses = 200;
// @ts-expect-error: `status` is public, it has no 401 reply.
const noUnauthorized: StatusResponses = 401;

export { asProblem, admin, onlyOk, noUnauthorized };
