import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { loadApiServerAddressRule, type ApiServerAddressRule, type Cidr } from '../common/config.js';

/** Node error code of a refused address; the transport layer turns it into a KubeTransportError. */
export const ADDRESS_NOT_ALLOWED = 'EADDRNOTALLOWED';

function blockList(cidrs: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) list.addSubnet(c.address, c.prefix, c.family);
  return list;
}

function refused(): NodeJS.ErrnoException {
  // Raised before any connection is attempted, so the answer is the same whether or not something listens there.
  return Object.assign(new Error('address not allowed as an API server'), { code: ADDRESS_NOT_ALLOWED });
}

let fromEnvironment: ApiServerAddressGuard | undefined;

/**
 * Which addresses may be contacted as an API server (KUBEGRAPH_API_SERVER_DENY / KUBEGRAPH_API_SERVER_ALLOW). Names
 * are checked where they are resolved, by {@link lookup} on the connection's agent, and the connection goes to the
 * address that was checked, so a name cannot lead around the rule; IP literals are checked by {@link checkHost}.
 */
export class ApiServerAddressGuard {
  private readonly deny: BlockList;
  private readonly allow: BlockList | undefined;

  constructor(rule: ApiServerAddressRule) {
    this.deny = blockList(rule.deny);
    this.allow = rule.allow && blockList(rule.allow);
  }

  /** The rule of this process's environment (read once). */
  static fromEnvironment(): ApiServerAddressGuard {
    fromEnvironment ??= new ApiServerAddressGuard(loadApiServerAddressRule());
    return fromEnvironment;
  }

  allows(address: string): boolean {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    // BlockList matches IPv4-mapped IPv6 addresses (::ffff:169.254.169.254) against IPv4 blocks too.
    if (this.deny.check(address, family)) return false;
    return !this.allow || this.allow.check(address, family);
  }

  /** Throws for a host that is an IP literal outside the rule; a name passes here and is checked by {@link lookup}. */
  checkHost(hostname: string): void {
    const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
    if (isIP(host) !== 0 && !this.allows(host)) throw refused();
  }

  /** Resolves a name and checks every address it has (a connection may try any of them). */
  async checkResolved(hostname: string): Promise<void> {
    const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
    if (isIP(host) !== 0) return this.checkHost(host);
    const addresses = await dns.promises.lookup(host, { all: true });
    if (addresses.some((a) => !this.allows(a.address))) throw refused();
  }

  /** `lookup` for an http(s).Agent: resolves as usual, and fails the connection when any address is refused. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (addresses.some((a) => !this.allows(a.address))) return callback(refused(), '', 0);
      if (options.all) return (callback as unknown as (e: null, all: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
