// An @elastic/synthetics project of browser journeys; resources.yaml is the same project as
// synthctl resources. The executablePath is local to this machine: push sends it, synthctl
// does not (docs/elastic-compatibility.md).
export default {
  params: { baseUrl: 'https://shop.example.com', user: 'demo' },
  playwrightOptions: {
    executablePath: '/usr/bin/chromium',
    viewport: { width: 1280, height: 720 },
    locale: 'en-GB',
  },
  monitor: {
    schedule: 10,
    locations: ['us_west'],
    screenshot: 'only-on-failure',
  },
  project: { id: 'parity-journeys', url: 'http://127.0.0.1:1', space: 'default' },
};
