/**
 * Counters reported by INFO (Stats, Clients and Commandstats sections).
 * @internal
 */

/** @internal */
export interface CommandStat {
  calls: number;
  usec: number;
}

/** @internal */
export class NodeStats {
  totalConnections = 0;
  totalCommands = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  rejectedConnections = 0;
  connectedClients = 0;
  /** Per command (lowercase name), in first-call order like Disque's output. */
  readonly commands = new Map<string, CommandStat>();

  /** CONFIG RESETSTAT. */
  reset(): void {
    this.totalConnections = 0;
    this.totalCommands = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.rejectedConnections = 0;
    this.commands.clear();
  }

  /** Command stats sorted by the command table order (Disque's INFO commandstats order). */
  commandsInTableOrder(order: ReadonlyMap<string, number>): [string, CommandStat][] {
    return [...this.commands].sort((a, b) => (order.get(a[0]) ?? 0) - (order.get(b[0]) ?? 0));
  }

  recordCommand(name: string, usec: number): void {
    this.totalCommands++;
    let s = this.commands.get(name);
    if (s === undefined) {
      s = { calls: 0, usec: 0 };
      this.commands.set(name, s);
    }
    s.calls++;
    s.usec += usec;
  }
}
