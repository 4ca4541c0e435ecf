// A CommonJS project, so that the contract test can load it into @elastic/synthetics itself.
module.exports = (env) => ({
  params: { url: 'https://shop.example.com', env },
  playwrightOptions: { ignoreHTTPSErrors: false, locale: 'en-GB' },
  monitor: {
    schedule: 10,
    locations: ['us_east'],
    privateLocations: ['Frankfurt DC'],
    tags: ['shop'],
    fields: { team: 'shop' },
    alert: { status: { enabled: true }, tls: { enabled: false } },
    retestOnFailure: false,
    screenshot: 'on',
    namespace: 'shop',
  },
  project: { id: 'shop-js', url: 'https://kibana.example.com', space: 'shop' },
});
