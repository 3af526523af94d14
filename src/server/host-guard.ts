import type { MiddlewareHandler } from 'hono';
import { NewsqError } from '../errors.js';

/**
 * The host names a server answers to, or null for any. A page on another site can make a browser
 * send requests to a loopback server by pointing its own name at 127.0.0.1 (DNS rebinding); the
 * request then carries that site's name in `Host`. So a server bound to loopback answers only to
 * loopback names and the names configured in `allowedHosts`; one bound to other addresses answers
 * to any name unless `allowedHosts` is set.
 */
export function allowedHostsFor(bind: string, allowedHosts: string[] | undefined): string[] | null {
  if (!allowedHosts && !isLoopbackHost(bind)) return null;
  return (allowedHosts ?? []).map((name) => name.toLowerCase());
}

/** Refuses requests whose `Host` names no allowed host, with 403 and the list of what is allowed. */
export function hostGuard(allowed: string[] | null): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('host');
    // Browsers always send Host; a client that sends none is not a page on another site.
    if (allowed && header !== undefined) {
      const name = hostName(header);
      if (!isLoopbackHost(name) && !allowed.includes(name)) {
        const names = ['localhost', '127.0.0.1', '[::1]', ...allowed].join(', ');
        throw new NewsqError('forbidden', `this server answers only to ${names}, not to the Host ${JSON.stringify(header)}: add the name to allowedHosts in the config to serve it`);
      }
    }
    await next();
  };
}

/** The host name of a `Host` header, lower-cased, without its port; IPv6 addresses keep their brackets. */
function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

/** Whether a host name or address (lower case) is this machine's loopback. */
export function isLoopbackHost(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
