/**
 * `http`: the gateway's web port (nurse station, /status, /metrics, /healthz). The keys,
 * defaults and bounds are in the settings table (settings.ts); here are the shape, the
 * rules only this section has, and what each key means:
 *   host, port            where it listens (default loopback: the ward sees nothing until
 *                         IT binds it to the ward-side address, `init --bind`);
 *   tls                   {certFile, keyFile}: serve HTTPS (`tls init` makes a self-signed
 *                         pair); required on any address but loopback, unless
 *   allowInsecure         true: plain HTTP on the ward network, PINs and cookies in clear;
 *   allowedHosts          names the ward's PCs reach it by, beyond this machine's own host
 *                         name and addresses (DNS-rebinding defence: other Host headers get 421);
 *   session.idleMs        a nurse's session ends after this long without activity
 *                         (default 30 min, at most 12 h);
 *   session.maxMs         and at this long after sign-in whatever the activity (default and
 *                         most 12 h: one shift);
 *   session.displayMs     a display screen's session (default 30 days);
 *   login.*               failed sign-ins allowed per account and per address in `windowMs`
 *                         before a lockout of `lockoutMs`;
 *   maxStreams, maxStreamsPerAddress   live pages in total and from one computer.
 */
import type { SettingRule } from '@wardlink/shared';
import { refuse } from './fields.js';
import { at } from './rules.js';

export interface TlsFilesConfig {
  certFile: string;
  keyFile: string;
}

export interface HttpConfig {
  host: string;
  port: number;
  tls: TlsFilesConfig | null;
  allowInsecure: boolean;
  allowedHosts: string[];
  session: { idleMs: number; maxMs: number; displayMs: number };
  login: { maxFailuresPerAccount: number; maxFailuresPerAddress: number; windowMs: number; lockoutMs: number };
  maxStreams: number;
  maxStreamsPerAddress: number;
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$|^[0-9a-fA-F:.]{2,45}$/;

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `http.allowedHosts`: bare names or addresses, compared lower-case with the Host header. */
export const allowedHosts: SettingRule = (raw, ctx) => {
  if (!Array.isArray(raw) || !raw.every((h) => typeof h === 'string' && HOST_NAME.test(h))) {
    refuse(at(ctx), 'must be a list of host names or IP addresses, without scheme or port', raw);
  }
  return raw.map((h: string) => h.toLowerCase());
};
