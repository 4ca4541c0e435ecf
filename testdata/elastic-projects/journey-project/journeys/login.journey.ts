import { journey, step, monitor, expect } from '@elastic/synthetics';

journey('Login', ({ page, params }) => {
  monitor.use({
    id: 'shop-login',
    schedule: 5,
    screenshot: 'only-on-failure',
    tags: ['login'],
    fields: { flow: 'login' },
    throttling: false,
  });
  step('open the login page', async () => {
    await page.goto(params.url + '/login');
  });
  step('sign in', async () => {
    await page.fill('#user', params.username);
    await page.fill('#password', params.password);
    await page.click('button[type=submit]');
    expect(page.url()).toContain('/account');
  });
});

journey({ name: 'Checkout', id: 'shop-checkout', tags: ['checkout'] }, ({ page, params }) => {
  monitor.use({ privateLocations: ['Paris DC'], spaces: ['shop', 'ops'] });
  step('open the cart', async () => {
    await page.goto(params.url + '/cart');
  });
});

journey.skip('Search (flaky)', ({ page, params }) => {
  step('search', async () => {
    await page.goto(params.url + '/search?q=socks');
  });
});
