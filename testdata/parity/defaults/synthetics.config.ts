// Project-wide monitor defaults (fields, alert, spaces, namespace, maintenance windows, ...)
// and how monitors override them; resources.yaml is the same project as synthctl resources.
export default {
  monitor: {
    schedule: 15,
    locations: ['japan'],
    privateLocations: ['Ops DC'],
    tags: ['team:ops'],
    fields: { env: 'prod', team: 'ops' },
    alert: { status: { enabled: true }, tls: { enabled: false } },
    retestOnFailure: false,
    enabled: true,
    spaces: ['team-b'],
    namespace: 'ops_prod',
    maintenanceWindows: ['mw-weekly'],
  },
  project: { id: 'parity-defaults', url: 'http://127.0.0.1:1', space: 'default' },
};
