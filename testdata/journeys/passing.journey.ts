import { journey, step, expect } from '@elastic/synthetics';

// Sign in through the form and land on the dashboard (params.url is the test site).
journey({ name: 'passing sign-in', id: 'passing-sign-in', tags: ['smoke'] }, ({ page, params }) => {
  step('open the sign-in page', async () => {
    await page.goto(`${params.url}/login`);
    await expect(page.locator('h1')).toHaveText('Sign in');
  });
  step('sign in', async () => {
    await page.fill('#user', 'demo');
    await page.fill('#password', 'demo');
    await page.click('#submit');
  });
  step('see the dashboard', async () => {
    await expect(page.locator('#welcome')).toHaveText('Welcome, demo');
  });
});
