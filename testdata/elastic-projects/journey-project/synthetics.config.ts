import type { SyntheticsConfig } from '@elastic/synthetics';
import { devices } from '@elastic/synthetics';

export default (env: string) => {
  const config: SyntheticsConfig = {
    params: {
      url: 'https://shop.example.com',
      username: 'synthetics-bot',
      password: process.env.SHOP_PASSWORD,
      apiKey: 'c2VjcmV0LWtleS0xMjM0NTY3ODkwYWJjZGVm',
      retries: 3,
    },
    playwrightOptions: {
      ...devices['Desktop Chrome'],
      ignoreHTTPSErrors: false,
    },
    monitor: {
      schedule: 10,
      locations: ['us_east'],
      privateLocations: ['Frankfurt DC'],
      tags: ['shop'],
      fields: { team: 'shop', env },
      alert: { status: { enabled: true } },
    },
    project: {
      id: 'shop-monitors',
      url: 'https://kibana.example.com',
      space: 'shop',
    },
  };
  if (env === 'production') {
    config.params!.url = 'https://shop.example.com';
  }
  return config;
};
