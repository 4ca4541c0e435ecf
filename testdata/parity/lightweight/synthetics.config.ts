// An @elastic/synthetics project of lightweight monitors only; resources.yaml is the same
// project written as synthctl resources. test/kibana-parity.test.ts pushes both.
export default {
  params: { baseUrl: 'https://shop.example.com' },
  monitor: {
    schedule: 5,
    locations: ['us_east', 'germany'],
    privateLocations: ['Shop DC'],
  },
  project: { id: 'parity-lightweight', url: 'http://127.0.0.1:1', space: 'default' },
};
