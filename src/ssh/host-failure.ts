/**
 * Why one host did not succeed. Per-host failures are data in the step's results, not thrown
 * step errors: the other hosts go on. Codes are stable; messages are for people.
 *  - host-key-unknown, host-key-changed, host-key-revoked, host-key-record-failed
 *  - connect-timeout, connection-refused, host-unreachable, dns, auth-failed, connection
 *  - exec-failed, connection-lost, killed, cancelled
 */
export class HostFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostFailure';
  }
}
