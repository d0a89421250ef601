/**
 * prefer_zones as tiers: a host belongs to the first entry its zone matches, exactly or by
 * prefix when the entry ends in ':' or '*' (`aws:` or `aws:us-east-1*`); hosts that match no
 * entry form one last tier. Zones are few and fixed per config, so matches are cached.
 */
export class ZoneTiers {
  readonly preferZones: readonly string[];
  private readonly cache = new Map<string, number>();

  constructor(preferZones: readonly string[]) {
    this.preferZones = preferZones;
  }

  /** Number of tiers, the catch-all one included. */
  get count(): number { return this.preferZones.length + 1; }

  /** 0 for the first prefer_zones entry; preferZones.length for zones no entry matches. */
  tierOf(zone: string): number {
    let tier = this.cache.get(zone);
    if (tier === undefined) {
      tier = this.preferZones.findIndex((entry) => zoneMatches(entry, zone));
      if (tier < 0) tier = this.preferZones.length;
      this.cache.set(zone, tier);
    }
    return tier;
  }
}

export function zoneMatches(entry: string, zone: string): boolean {
  if (entry === zone) return true;
  if (entry.endsWith('*')) return zone.startsWith(entry.slice(0, -1));
  return entry.endsWith(':') && zone.startsWith(entry);
}
