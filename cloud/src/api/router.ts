/**
 * The API's router: method + path pattern to handler. A pattern is a literal path
 * (`/v1/batches`) or has `:name` segments (`/v1/hospitals/:hospitalId/dashboard`), each
 * matching exactly one path segment. Parameters are checked after percent-decoding: an
 * empty, over-long or unprintable one is a 400 WL_API_INVALID_PARAMETER rather than a
 * 404, so a client learns which part of its URL is wrong.
 *
 * Order of answers: no pattern has this path's shape → 404; the shape exists but not
 * with this method → 405 with Allow; a parameter is malformed → 400. HEAD is served by
 * the GET handler (node:http drops the body of a HEAD answer).
 */
import { InvalidParameterError, MethodNotAllowedError, RouteNotFoundError } from '@wardlink/shared';
import type { RequestContext } from './context.js';

export type PathParams = Readonly<Record<string, string>>;
export type Handler = (ctx: RequestContext, params: PathParams) => Promise<void> | void;

export interface RouteMatch {
  /** The pattern that matched (a bounded metric label, unlike the path). */
  readonly pattern: string;
  readonly handler: Handler;
  readonly params: PathParams;
}

/** Ids in paths come from hospitals' systems (HL7 PID-3 and the like): any printable
 * characters, no whitespace or control characters, at most 128 of them. */
const MAX_PARAM_LENGTH = 128;
const PRINTABLE = /^[^\p{C}\s]+$/u;

type Segment = { literal: string } | { param: string };

interface Route {
  pattern: string;
  segments: Segment[];
  methods: Map<string, Handler>;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    let route = this.routes.find((r) => r.pattern === pattern);
    if (!route) {
      const segments = pattern.split('/').map((s): Segment => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s }));
      route = { pattern, segments, methods: new Map() };
      this.routes.push(route);
    }
    route.methods.set(method, handler);
    return this;
  }

  /** The handler for `method` on `path` (no query string); throws 404, 405 or 400. */
  match(method: string, path: string): RouteMatch {
    const parts = path.split('/');
    // A literal route wins over a parameterized one of the same shape.
    const candidates = this.routes
      .filter((r) => fits(r.segments, parts))
      .sort((a, b) => paramCount(a.segments) - paramCount(b.segments));
    if (candidates.length === 0) throw new RouteNotFoundError(path);
    const route = candidates.find((r) => r.methods.has(method)) ?? (method === 'HEAD' ? candidates.find((r) => r.methods.has('GET')) : undefined);
    if (!route) throw new MethodNotAllowedError(method, path, [...new Set(candidates.flatMap((r) => [...r.methods.keys()]))]);
    const handler = route.methods.get(method) ?? route.methods.get('GET')!;
    return { pattern: route.pattern, handler, params: extractParams(route.segments, parts) };
  }
}

function fits(segments: Segment[], parts: string[]): boolean {
  return segments.length === parts.length && segments.every((s, i) => 'param' in s || s.literal === parts[i]);
}

function paramCount(segments: Segment[]): number {
  return segments.filter((s) => 'param' in s).length;
}

function extractParams(segments: Segment[], parts: string[]): PathParams {
  const params: Record<string, string> = {};
  segments.forEach((s, i) => {
    if ('param' in s) params[s.param] = decodeParam(s.param, parts[i]!);
  });
  return params;
}

function decodeParam(name: string, raw: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new InvalidParameterError('WL_API_INVALID_PARAMETER', name, `path parameter ${name} is not valid percent-encoding; encode it with encodeURIComponent`);
  }
  if (value.length === 0 || value.length > MAX_PARAM_LENGTH || !PRINTABLE.test(value)) {
    throw new InvalidParameterError(
      'WL_API_INVALID_PARAMETER',
      name,
      `path parameter ${name} must be 1 to ${MAX_PARAM_LENGTH} printable characters without spaces`,
      { length: value.length },
    );
  }
  return value;
}
