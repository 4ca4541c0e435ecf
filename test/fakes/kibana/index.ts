/** The fake Kibana used by tests of the Kibana client, plan/apply and the operator. */
export { FakeKibana } from './server.js';
export type {
  Fault,
  FaultMatch,
  FakeKibanaOptions,
  LoggedRequest,
  SavedMonitor,
  SavedParam,
} from './server.js';
export { defaultPublicLocations, PUBLIC_LOCATION_NAMES } from './locations.js';
export type { PrivateLocation, PublicLocation } from './locations.js';
export { SUPPORTED_KEYS, ALLOWED_SCHEDULES_IN_MINUTES } from './project-monitors.js';
export type { FailedMonitor } from './project-monitors.js';
