/** Auth of protocol generation 0.25.0: credentials, the JWT exchange and its refresh. */
export * from "./credentials.js";
export * from "./errors.js";
export * from "./jwt.js";
export * from "./jwt-provider.js";
export * from "./token-exchange.js";
