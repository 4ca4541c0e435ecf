import { journey, step, expect } from '@elastic/synthetics';

// A soft step fails without skipping the rest; the journey still fails.
journey('soft step', ({ page, params }) => {
  step('open the home page', async () => {
    await page.goto(`${params.url}/`);
  });
  step.soft('look for a banner that is not there', async () => {
    await expect(page.locator('#banner')).toBeVisible({ timeout: 500 });
  });
  step('follow the sign-in link', async () => {
    await page.click('#to-login');
    await expect(page.locator('h1')).toHaveText('Sign in');
  });
});
