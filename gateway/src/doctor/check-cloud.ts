/**
 * The cloud checks: reachable (cloud.reach), its certificate trusted as the uplink would
 * trust it (cloud.tls), the token accepted (cloud.token), and this machine's clock against
 * the cloud's `Date` header (clock.skew). Without a cloud URL the gateway runs standalone:
 * one WARN line, nothing probed. Results come in that order, reach first.
 */
import { isLoopback } from '../config/http.js';
import type { GatewayConfig } from '../config/schema.js';
import { uplinkSettingsFromConfig } from '../uplink/from-config.js';
import { displayUrl, type TlsMaterial } from '../uplink/options.js';
import { CloudProbe, type HttpAnswer } from './cloud-probe.js';
import { CloudProbeError } from './errors.js';
import { fail, ok, warn, type CheckResult } from './types.js';

/** The cloud alerts on a skew over 5 s (docs/alerts.yml); a second is already visible in a trend. */
const SKEW_FAIL_S = 5;
const SKEW_WARN_S = 2;
const CERT_WARN_DAYS = 30;
const DAY_MS = 86_400_000;
/** The doctor waits less than the uplink would: a technician is watching. */
const MAX_PROBE_TIMEOUT_MS = 5000;
/** Errors that mean no TCP connection: reachability (cloud.reach), not TLS. */
const NO_CONNECTION = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)$/;

export async function checkCloud(cloud: GatewayConfig['cloud'], now: () => number = Date.now): Promise<CheckResult[]> {
  if (cloud.url === null) {
    return [warn('cloud.reach', 'no cloud.url: the gateway runs standalone, readings stay in the local buffer', 'set cloud.url and cloud.token ("wardlink-gateway config set cloud.url https://..."), from "wardlink-cloud gateway add"')];
  }
  const shown = displayUrl(cloud.url);
  const results: CheckResult[] = [];
  let tls: TlsMaterial;
  try {
    // A token is not needed to read the TLS files; the uplink's reader wants one.
    tls = uplinkSettingsFromConfig({ ...cloud, token: cloud.token ?? '-' })?.tls ?? {};
  } catch (err) {
    const field = (err as { detail?: { field?: string } }).detail?.field ?? 'cloud.caFile';
    return [fail('cloud.tls', (err as Error).message, `fix ${field}: the path, or the file's permissions for the service user`, { subject: shown })];
  }
  const probe = new CloudProbe(cloud.url, tls, Math.min(cloud.connectTimeoutMs, MAX_PROBE_TIMEOUT_MS));
  try {
    if (probe.secure) {
      const tlsLine = await checkTls(probe, shown, now);
      if (tlsLine.code === 'cloud.reach') return [tlsLine];
      if (tlsLine.status === 'FAIL') {
        // The token is never sent over a connection the uplink would not trust.
        const handshook = tlsLine.data !== undefined && 'authorizationError' in tlsLine.data;
        return [ok('cloud.reach', handshook ? 'answered (a TLS handshake completed)' : 'answered (a TCP connection was accepted)', { subject: shown }), tlsLine, warn('cloud.token', 'not checked: the certificate is not trusted, and the token is not sent to an untrusted server', 'fix cloud.tls first', { subject: shown })];
      }
      results.push(tlsLine);
    } else {
      const host = new URL(cloud.url).hostname.replace(/^\[|\]$/g, '');
      results.push(
        isLoopback(host)
          ? ok('cloud.tls', 'plain http: to this machine, nothing crosses the network', { subject: shown })
          : warn('cloud.tls', 'plain http: readings and the token cross the network in clear (cloud.allowInsecure)', 'use an https: cloud.url', { subject: shown }),
      );
    }
    let health: HttpAnswer;
    try {
      health = await probe.get('/healthz');
    } catch (err) {
      return [unreachable(err, shown), ...results];
    }
    results.unshift(ok('cloud.reach', `answered GET /healthz with HTTP ${health.status}`, { subject: shown, data: { status: health.status } }));
    results.push(checkSkew(health));
    results.push(await checkToken(probe, cloud.token, shown));
    return results;
  } finally {
    await probe.close();
  }
}

function unreachable(err: unknown, shown: string): CheckResult {
  const code = err instanceof CloudProbeError ? err.networkCode : null;
  const remedy =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? 'the name does not resolve: check cloud.url and this box\'s DNS (resolvectl status)'
      : code === 'ECONNREFUSED'
        ? 'nothing listens there: check cloud.url\'s port and that the cloud service runs'
        : 'check cloud.url, the route from this box, and the hospital firewall (outbound to the cloud\'s port)';
  return fail('cloud.reach', (err as Error).message, remedy, { subject: shown, data: { networkCode: code } });
}

async function checkTls(probe: CloudProbe, shown: string, now: () => number): Promise<CheckResult> {
  let hs;
  try {
    hs = await probe.handshake();
  } catch (err) {
    const code = err instanceof CloudProbeError ? err.networkCode : null;
    // No TCP connection: that is reachability, reported once by cloud.reach.
    if (code !== null && NO_CONNECTION.test(code)) return unreachable(err, shown);
    return fail('cloud.tls', `no TLS session: ${(err as Error).message}`, 'the cloud may want a client certificate (cloud.clientCertFile, cloud.clientKeyFile), or the port is not TLS', { subject: shown, data: { networkCode: code } });
  }
  const data = { subject: hs.subject, issuer: hs.issuer, validTo: hs.validTo?.toISOString() ?? null, protocol: hs.protocol, authorizationError: hs.authorizationError };
  if (!hs.authorized) {
    return fail('cloud.tls', `certificate not trusted: ${hs.authorizationError} (${hs.subject ?? '?'} issued by ${hs.issuer ?? '?'})`, 'set cloud.caFile to the CA that issued the cloud\'s certificate (a private CA), or fix the cloud\'s certificate (expired, wrong name)', { subject: shown, data });
  }
  const daysLeft = hs.validTo === null ? null : Math.floor((hs.validTo.getTime() - now()) / DAY_MS);
  const line = `trusted, ${hs.protocol}, ${hs.subject} issued by ${hs.issuer}, valid until ${hs.validTo?.toISOString().slice(0, 10)}`;
  if (daysLeft !== null && daysLeft < CERT_WARN_DAYS) return warn('cloud.tls', `${line}: expires in ${daysLeft} days`, 'renew the cloud\'s certificate before it expires: the uplink stops on that day', { subject: shown, data });
  return ok('cloud.tls', line, { subject: shown, data });
}

/** Skew = the cloud's Date minus the local time at the request's midpoint. The header has
 * 1 s resolution, so the uncertainty is half a second plus half the round trip. */
function checkSkew(answer: HttpAnswer): CheckResult {
  const cloudMs = answer.date === null ? NaN : Date.parse(answer.date);
  if (Number.isNaN(cloudMs)) return warn('clock.skew', 'the cloud sent no usable Date header', 'check what answers at cloud.url (a proxy may strip Date)');
  const localMs = (answer.sentAtMs + answer.answeredAtMs) / 2;
  // The header truncates to the second: its true time is up to 1 s later.
  const skewS = Math.round((cloudMs + 500 - localMs) / 100) / 10;
  const plusMinusS = Math.round((500 + (answer.answeredAtMs - answer.sentAtMs) / 2) / 100) / 10;
  const data = { skewS, plusMinusS, cloudDate: answer.date };
  const line = `${skewS >= 0 ? 'this clock is behind the cloud by' : 'this clock is ahead of the cloud by'} ${Math.abs(skewS)} s (±${plusMinusS} s)`;
  const beyond = Math.abs(skewS) - plusMinusS;
  if (beyond > SKEW_FAIL_S) return fail('clock.skew', line, 'synchronize the clock (see clock.sync); readings and alarms carry this time', { data });
  if (beyond > SKEW_WARN_S) return warn('clock.skew', line, 'check time sync on this box and on the cloud (chronyc sources)', { data });
  return ok('clock.skew', line, { data });
}

async function checkToken(probe: CloudProbe, token: string | null, shown: string): Promise<CheckResult> {
  if (token === null) return fail('cloud.token', 'cloud.url is set but cloud.token is not: nothing is uploaded', 'set cloud.token to the token from "wardlink-cloud gateway add <gatewayId>"', { subject: shown });
  let answer: HttpAnswer;
  try {
    answer = await probe.tokenProbe(token);
  } catch (err) {
    return warn('cloud.token', `not checked: ${(err as Error).message}`, 'run the doctor again once the cloud answers', { subject: shown });
  }
  const error = (answer.body as { error?: { code?: string; message?: string } } | null)?.error;
  const data = { status: answer.status, code: error?.code ?? null };
  // 400 WL_API_INVALID_BATCH comes only after the token was accepted (cloud-probe.ts).
  if (answer.status === 400 && error?.code === 'WL_API_INVALID_BATCH') return ok('cloud.token', 'accepted by the cloud (checked with an empty batch: nothing stored)', { subject: shown, data });
  if (answer.status === 401) {
    return fail('cloud.token', `refused: ${error?.message ?? 'HTTP 401'}`, 'issue a new token with "wardlink-cloud gateway rotate-token <gatewayId>" and set it with "wardlink-gateway config set cloud.token ..."', { subject: shown, data });
  }
  if (answer.status === 429 || answer.status === 503) return warn('cloud.token', `not checked: the cloud is busy (HTTP ${answer.status})`, 'run the doctor again in a minute', { subject: shown, data });
  if (answer.status === 404 || answer.status === 405 || (answer.status >= 300 && answer.status < 400)) {
    return fail('cloud.token', `cloud.url does not lead to the batch API (POST /v1/batches: HTTP ${answer.status})`, 'set cloud.url to the cloud service\'s base URL (the one its "serve" prints)', { subject: shown, data });
  }
  return warn('cloud.token', `unexpected answer: HTTP ${answer.status} ${error?.code ?? ''}`.trim(), 'check what answers at cloud.url; the uplink log says more', { subject: shown, data });
}
