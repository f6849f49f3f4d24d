/**
 * `alarms.viewers`: read-only MQTT accounts that may subscribe to `wardlink/alarms/#` on the
 * embedded broker (ward displays, pager and nurse-call bridges). One setting whose value is
 * a list, checked as a whole: each entry needs exactly one of a scrypt `passwordHash`
 * (`viewer add` writes one) or a plain `password`, and a username appears once. A plain
 * password is kept non-enumerable, so it never reaches a log line or `config show`.
 */
import type { SettingRule } from '@wardlink/shared';
import { refuse, str } from './fields.js';
import { at } from './rules.js';

export interface ViewerAccount {
  username: string;
  passwordHash?: string;
  password?: string;
}

const VIEWER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;

export const alarmViewers: SettingRule = (raw, ctx): ViewerAccount[] => {
  if (!Array.isArray(raw)) refuse(at(ctx), 'must be a list of {username, passwordHash | password}', raw);
  const viewers = raw.map((v: unknown, i): ViewerAccount => {
    const field = `${ctx.field}[${i}]`;
    if (v === null || typeof v !== 'object') refuse(field, 'must be an object {username, passwordHash | password}');
    const o = v as Record<string, unknown>;
    const username = str(o.username, `${field}.username`, { pattern: VIEWER_NAME });
    if ((o.passwordHash === undefined) === (o.password === undefined)) refuse(field, 'needs exactly one of passwordHash (scrypt, preferred) or password');
    if (o.passwordHash !== undefined) return { username, passwordHash: str(o.passwordHash, `${field}.passwordHash`, { pattern: /^scrypt\$/ }) };
    const viewer = { username, password: '' };
    Object.defineProperty(viewer, 'password', { value: str(o.password, `${field}.password`), enumerable: false });
    return viewer;
  });
  const names = viewers.map((v) => v.username);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) refuse(ctx.field, `lists the username "${twice}" twice`);
  return viewers;
};
