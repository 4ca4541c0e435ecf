import { journey, step, expect } from '@elastic/synthetics';

journey('Shop login', ({ page, params }) => {
  step('open the sign-in page', async () => {
    await page.goto(`${params.baseUrl}/login`);
    await expect(page.locator('h1')).toHaveText('Sign in');
  });

  step('sign in', async () => {
    await page.fill('#user', params.user);
    await page.fill('#password', params.password);
    await page.click('#submit');
  });

  step('see the dashboard', async () => {
    await expect(page.locator('#welcome')).toHaveText('Welcome, demo');
  });
});
