/**
 * A tiny method+path router: routes are regular expressions whose named groups become params.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "./http-util.js";
import type { LoggedRequest } from "./request-log.js";

/** What a route handler receives. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  /** Parsed JSON body, `undefined` when empty. */
  readonly body: unknown;
  /** This request's log entry (routes mark seq-id rejections on it). */
  readonly entry: LoggedRequest;
  /** A future id reserved before the handler ran (a 0.25.0 chunk submit held for its seq_id turn). */
  readonly requestId?: string;
}

/** A handler's answer; `raw` means the handler already wrote the response itself. */
export type RouteResult =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly raw: true };

/** A route handler. */
export type RouteHandler = (ctx: RouteContext) => Promise<RouteResult> | RouteResult;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: RouteHandler;
}

/** Converts `/a/:id/b/*rest` into an anchored regular expression (`*name` may span slashes). */
function compile(path: string): RegExp {
  const source = path
    .split("/")
    .map((seg) => {
      if (seg.startsWith(":")) return `(?<${seg.slice(1)}>[^/]+)`;
      if (seg.startsWith("*")) return `(?<${seg.slice(1)}>.+?)`;
      return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}$`);
}

/** Routes requests by method and path. */
export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route; `path` segments `:name` match one segment, `*name` one or more. */
  add(method: string, path: string, handler: RouteHandler): this {
    this.routes.push({ method, pattern: compile(path), handler });
    return this;
  }

  /** Finds the handler for a request; `methodMismatch` is true when only the method differs. */
  match(
    method: string,
    path: string,
  ): { handler: RouteHandler; params: Record<string, string> } | { methodMismatch: boolean } {
    let methodMismatch = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodeParam(k, v);
      return { handler: route.handler, params };
    }
    return { methodMismatch };
  }
}

function decodeParam(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new HttpError(400, `${name}: malformed percent-encoding in the path`);
  }
}
