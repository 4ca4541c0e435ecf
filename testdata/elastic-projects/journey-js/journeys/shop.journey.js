const { journey, step, monitor, expect } = require('@elastic/synthetics');

journey('Login', ({ page, params }) => {
  monitor.use({
    id: 'shop-login',
    schedule: 5,
    tags: ['login'],
    fields: { flow: 'login' },
    privateLocations: ['Paris DC'],
    spaces: ['shop', 'ops'],
    playwrightOptions: { viewport: { width: 1280, height: 720 } },
    alert: { tls: { enabled: true } },
  });
  step('open', async () => {
    await page.goto(params.url);
    expect(page.url()).toContain('shop');
  });
});

journey({ name: 'Checkout', id: 'shop-checkout', tags: ['checkout'] }, ({ page, params }) => {
  step('cart', async () => {
    await page.goto(`${params.url}/cart`);
  });
});

for (const name of ['About', 'Contact']) {
  journey(`Page ${name}`, ({ page, params }) => {
    monitor.use({ id: `page-${name.toLowerCase()}`, enabled: name === 'About', screenshot: 'only-on-failure' });
    step('open', async () => {
      await page.goto(`${params.url}/${name.toLowerCase()}`);
    });
  });
}
