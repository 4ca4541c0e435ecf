/**
 * Location fixtures of the fake Kibana. Public (Elastic-managed) locations use the service
 * ids and public names of `@elastic/synthetics` `src/locations/public-locations.ts`, which
 * Kibana accepts interchangeably (`getMonitorLocations` in `normalizers/common_fields.ts`).
 */

/** Public name → service id, as push translates them and Kibana accepts them. */
export const PUBLIC_LOCATION_NAMES: Readonly<Record<string, string>> = {
  japan: 'asia-northeast1-a',
  india: 'asia-south1-a',
  singapore: 'asia-southeast1-a',
  australia_east: 'australia-southeast1-a',
  united_kingdom: 'europe-west2-a',
  germany: 'europe-west3-a',
  canada_east: 'northamerica-northeast1-a',
  brazil: 'southamerica-east1-a',
  us_east: 'us-east4-a',
  us_west: 'us-west1-a',
};

/** An Elastic-managed location as `/internal/uptime/service/locations` lists it. */
export interface PublicLocation {
  id: string;
  label: string;
  geo: { lat: number; lon: number };
  isServiceManaged: true;
}

/** A private location as `/api/synthetics/private_locations` returns it. */
export interface PrivateLocation {
  id: string;
  label: string;
  agentPolicyId: string;
  isInvalid: boolean;
  geo?: { lat: number; lon: number };
  namespace: string;
  tags?: string[];
  /** Spaces the location is visible in; absent means all spaces. */
  spaces?: string[];
}

/** The ten public locations, labelled like Kibana's service manifest. */
export function defaultPublicLocations(): PublicLocation[] {
  const labels: Record<string, string> = {
    japan: 'Japan',
    india: 'India',
    singapore: 'Singapore',
    australia_east: 'Australia East',
    united_kingdom: 'United Kingdom',
    germany: 'Germany',
    canada_east: 'Canada East',
    brazil: 'Brazil',
    us_east: 'North America - US East',
    us_west: 'North America - US West',
  };
  return Object.entries(PUBLIC_LOCATION_NAMES).map(([name, id]) => ({
    id,
    label: labels[name] ?? name,
    geo: { lat: 0, lon: 0 },
    isServiceManaged: true,
  }));
}

/** The saved-object form of a location inside a monitor (`formatLocation`). */
export function formatLocation(loc: PublicLocation | PrivateLocation): Record<string, unknown> {
  return {
    id: loc.id,
    label: loc.label,
    geo: loc.geo ?? { lat: 0, lon: 0 },
    isServiceManaged: 'isServiceManaged' in loc,
  };
}
