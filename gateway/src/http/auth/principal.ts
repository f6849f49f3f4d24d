/** Who a request is from, once authenticated. */
import type { Role } from '../../staff/index.js';

export interface Principal {
  staffId: string;
  name: string;
  role: Role;
  /** A cookie session (the page), a bearer token (display, IT, scrapers), or the local CLI. */
  via: 'session' | 'token' | 'local';
  /** The session's end if nothing more happens (sessions only). */
  endsAtMs: number | null;
  /** Still valid? Checked by long-lived streams, which must end when the session does. */
  stillValid(): boolean;
}
