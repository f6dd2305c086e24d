import type { IncomingMessage } from 'node:http';

/*
 * CloudFront Functions event objects (CloudFront Developer Guide, "CloudFront
 * Functions event structure"): lower-case header names, the Cookie header
 * parsed out into `cookies`, `multiValue` for repeated names, `{}` for an
 * empty query string.
 */

export interface CfValue {
  value: string;
  multiValue?: { value: string }[];
  /** Response cookies only: `Path=/; Secure; …`. */
  attributes?: string;
}
export type CfMap = Record<string, CfValue>;

export interface CfRequest {
  method: string;
  uri: string;
  querystring: CfMap;
  headers: CfMap;
  cookies: CfMap;
}

export interface CfResponse {
  statusCode: number;
  statusDescription?: string;
  headers?: CfMap;
  cookies?: CfMap;
  body?: string | { encoding: 'text' | 'base64'; data: string };
}

export interface CfEvent {
  version: '1.0';
  context: {
    distributionDomainName: string;
    distributionId: string;
    eventType: 'viewer-request';
    requestId: string;
  };
  viewer: { ip: string };
  request: CfRequest;
}

export const DISTRIBUTION = {
  domainName: 'd111111abcdef8.cloudfront.net',
  id: 'EDFDVBD6EXAMPLE',
} as const;

function add(map: CfMap, name: string, value: string): void {
  const existing = map[name];
  if (!existing) {
    map[name] = { value };
  } else {
    existing.multiValue ??= [{ value: existing.value }];
    existing.multiValue.push({ value });
  }
}

/** The query string after `?`, split as CloudFront does: names and values stay URL-encoded. */
export function parseQuery(raw: string | undefined): CfMap {
  const map: CfMap = {};
  if (!raw) return map;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    add(map, eq < 0 ? part : part.slice(0, eq), eq < 0 ? '' : part.slice(eq + 1));
  }
  return map;
}

export function parseCookies(headerValues: readonly string[]): CfMap {
  const map: CfMap = {};
  for (const header of headerValues) {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      if (name) add(map, name, pair.slice(eq + 1).trim());
    }
  }
  return map;
}

/** Every value of a field, honouring `multiValue` (which wins when present). */
export function valuesOf(field: CfValue): string[] {
  return field.multiValue ? field.multiValue.map((v) => v.value) : [field.value];
}

export function serialiseQuery(map: CfMap): string {
  const parts: string[] = [];
  for (const [name, field] of Object.entries(map)) {
    for (const value of valuesOf(field)) parts.push(value === '' ? name : `${name}=${value}`);
  }
  return parts.join('&');
}

/** Splits a request target into path and raw query (undefined when there is no `?`). */
export function splitTarget(target: string): { path: string; rawQuery: string | undefined } {
  const q = target.indexOf('?');
  return q < 0
    ? { path: target, rawQuery: undefined }
    : { path: target.slice(0, q), rawQuery: target.slice(q + 1) };
}

/** The viewer-request event CloudFront would build for this HTTP request. */
export function eventFromHttp(
  req: IncomingMessage,
  options: { requestId: string; viewerIp: string },
): { event: CfEvent; rawQuery: string | undefined } {
  const { path, rawQuery } = splitTarget(req.url ?? '/');
  const headers: CfMap = {};
  const cookieHeaders: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (name === 'cookie') cookieHeaders.push(value);
    else add(headers, name, value);
  }
  return {
    rawQuery,
    event: {
      version: '1.0',
      context: {
        distributionDomainName: DISTRIBUTION.domainName,
        distributionId: DISTRIBUTION.id,
        eventType: 'viewer-request',
        requestId: options.requestId,
      },
      viewer: { ip: options.viewerIp },
      request: {
        method: req.method ?? 'GET',
        uri: path.startsWith('/') ? path : `/${path}`,
        querystring: parseQuery(rawQuery),
        headers,
        cookies: parseCookies(cookieHeaders),
      },
    },
  };
}
