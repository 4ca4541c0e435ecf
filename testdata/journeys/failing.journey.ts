import { journey, step, expect } from '@elastic/synthetics';

// Step 2 fails (wrong password, so no dashboard); step 3 is skipped.
journey('failing at step 2', ({ page, params }) => {
  step('open the sign-in page', async () => {
    await page.goto(`${params.url}/login`);
  });
  step('sign in with a wrong password', async () => {
    await page.fill('#user', 'demo');
    await page.fill('#password', 'wrong');
    await page.click('#submit');
    await expect(page.locator('#welcome')).toHaveText('Welcome, demo', { timeout: 1000 });
  });
  step('see the dashboard', async () => {
    await expect(page.locator('#welcome')).toBeVisible({ timeout: 1000 });
  });
});
