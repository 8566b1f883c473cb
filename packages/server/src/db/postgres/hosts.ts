// The host list of a multi-host PostgreSQL URL. postgres.js tries a multi-host URL's hosts in order,
// and a silent host costs a whole connect timeout each time, so the data layer keeps the hosts in an
// order of its own (the failure detector sets it) and writes that order back into the URL it opens.

const AUTHORITY = /^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)([^/?]*)(.*)$/;

/** The host:port list of a (multi-host) URL, in its order. */
export function urlHosts(url: string): string[] {
  return (AUTHORITY.exec(url)?.[2] ?? '').split(',').filter(Boolean);
}

/** The same URL with its host list replaced. */
export function withHosts(url: string, hosts: string[]): string {
  return url.replace(AUTHORITY, (_all, head: string, _hosts: string, tail: string) => `${head}${hosts.join(',')}${tail}`);
}

/**
 * Which hosts each pool tries first: the primary first for the primary pool, live standbys first for
 * the standby pool, silent hosts last (see FailureDetector.findPrimary).
 */
export interface HostOrder { primary: string[]; standby: string[] }
